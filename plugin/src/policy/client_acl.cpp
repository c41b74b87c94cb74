#include "client_acl.h"

#include "certacl/topic.h"

namespace certacl::policy {
namespace {

Decision decide(const PatternSet& deny, const PatternSet& allow, bool closed,
                bool (PatternSet::*test)(std::string_view) const noexcept,
                std::string_view text) noexcept {
  // Deny rules are consulted first: they win whatever the allow rules say.
  if (closed || (deny.*test)(text)) return Decision::deny(Reason::kDeniedByRule);
  if ((allow.*test)(text)) return Decision::allow();
  return Decision::deny(Reason::kNoMatchingRule);
}

}  // namespace

ClientAcl ClientAcl::compile(std::span<const RoleRule> rules, std::string_view identity,
                             std::string_view client_id) {
  ClientAcl acl;
  for (const RoleRule& rule : rules) {
    std::string pattern = pattern_has_placeholder(rule.pattern)
                              ? substitute_pattern(rule.pattern, identity, client_id)
                              : rule.pattern;
    const bool publish = rule.action == RuleAction::kPublish;
    const bool allow = rule.effect == RuleEffect::kAllow;
    if (!topic_filter_problem(pattern).empty()) {
      ++acl.rejected_rules_;
      if (!allow) (publish ? acl.publish_closed_ : acl.subscribe_closed_) = true;
      continue;
    }
    PatternSet& target = publish ? (allow ? acl.allow_publish_ : acl.deny_publish_)
                                 : (allow ? acl.allow_subscribe_ : acl.deny_subscribe_);
    target.add(std::move(pattern));
  }
  return acl;
}

Decision ClientAcl::check_publish(std::string_view topic) const noexcept {
  return decide(deny_publish_, allow_publish_, publish_closed_, &PatternSet::any_matches_topic,
                topic);
}

Decision ClientAcl::check_subscribe(std::string_view filter) const noexcept {
  return decide(deny_subscribe_, allow_subscribe_, subscribe_closed_,
                &PatternSet::any_contains_filter, filter);
}

Decision ClientAcl::check_read(std::string_view topic) const noexcept {
  return decide(deny_subscribe_, allow_subscribe_, subscribe_closed_,
                &PatternSet::any_matches_topic, topic);
}

std::size_t ClientAcl::rule_count() const noexcept {
  return allow_publish_.size() + deny_publish_.size() + allow_subscribe_.size() +
         deny_subscribe_.size();
}

}  // namespace certacl::policy
