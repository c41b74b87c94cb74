#include "role_policy.h"

#include <algorithm>

#include "certacl/topic.h"

namespace certacl::policy {
namespace {

constexpr std::string_view kIdentityPlaceholder = "%u";
constexpr std::string_view kClientIdPlaceholder = "%c";

struct PlaceholderCount {
  std::size_t identity = 0;
  std::size_t client_id = 0;
};

PlaceholderCount count_placeholders(std::string_view pattern) noexcept {
  PlaceholderCount count;
  TopicLevels levels(pattern);
  while (!levels.done()) {
    const std::string_view level = levels.next();
    if (level == kIdentityPlaceholder) ++count.identity;
    if (level == kClientIdPlaceholder) ++count.client_id;
  }
  return count;
}

// A value that, put in place of a whole level, leaves a valid filter valid and adds no
// level or wildcard: what substitution relies on.
bool is_one_literal_level(std::string_view value) noexcept {
  return topic_name_problem(value).empty() && value.find('/') == std::string_view::npos;
}

// Deny rules win whatever the allow rules say, so a walk may only stop early on a deny (or
// on an allow when the action has no deny rule at all).
PatternTags enough_to_decide(const PatternSet& patterns) noexcept {
  return (patterns.tags() & kDenyTag) != 0 ? kDenyTag : kAllowTag;
}

Decision decide(bool closed, PatternTags found) noexcept {
  if (closed || (found & kDenyTag) != 0) return Decision::deny(Reason::kDeniedByRule);
  if ((found & kAllowTag) != 0) return Decision::allow();
  return Decision::deny(Reason::kNoMatchingRule);
}

}  // namespace

void RolePolicy::add(const RoleRule& rule, std::string pattern, bool placeholders) {
  const bool publish = rule.action == RuleAction::kPublish;
  const bool allow = rule.effect == RuleEffect::kAllow;
  if (!topic_filter_problem(pattern).empty()) {
    ++rejected_rules_;
    // A bad deny rule closes its whole action, so a damaged database never opens access.
    if (!allow) (publish ? publish_closed_ : subscribe_closed_) = true;
    return;
  }
  PatternSet& target = publish ? publish_ : subscribe_;
  const PatternTags tag = allow ? kAllowTag : kDenyTag;
  if (placeholders) {
    target.add_with_placeholders(std::move(pattern), tag);
  } else {
    target.add(std::move(pattern), tag);
  }
}

std::shared_ptr<const RolePolicy> RolePolicy::compile(std::span<const RoleRule> rules) {
  auto policy = std::make_shared<RolePolicy>();
  policy->rules_.assign(rules.begin(), rules.end());
  for (const RoleRule& rule : rules) {
    const PlaceholderCount count = count_placeholders(rule.pattern);
    if (count.identity + count.client_id > 0) {
      // Too long to validate before substitution shortens it: no session shares then.
      if (rule.pattern.size() > kMaxTopicBytes) policy->shareable_ = false;
      policy->longest_placeholder_pattern_ =
          std::max(policy->longest_placeholder_pattern_, rule.pattern.size());
      policy->most_identity_levels_ = std::max(policy->most_identity_levels_, count.identity);
      policy->most_client_id_levels_ = std::max(policy->most_client_id_levels_, count.client_id);
    }
    policy->add(rule, rule.pattern, true);
  }
  return policy;
}

std::shared_ptr<const RolePolicy> RolePolicy::compile_substituted(std::span<const RoleRule> rules,
                                                                  std::string_view identity,
                                                                  std::string_view client_id) {
  auto policy = std::make_shared<RolePolicy>();
  policy->rules_.assign(rules.begin(), rules.end());
  for (const RoleRule& rule : rules) {
    std::string pattern = pattern_has_placeholder(rule.pattern)
                              ? substitute_pattern(rule.pattern, identity, client_id)
                              : rule.pattern;
    policy->add(rule, std::move(pattern), false);
  }
  return policy;
}

bool RolePolicy::can_share_with(std::string_view identity,
                                std::string_view client_id) const noexcept {
  if (!shareable_) return false;
  if (most_identity_levels_ > 0 && !is_one_literal_level(identity)) return false;
  if (most_client_id_levels_ > 0 && !is_one_literal_level(client_id)) return false;
  // Each placeholder level ("%u", 2 bytes) becomes its value.
  const auto growth = [](std::size_t levels, std::size_t value_bytes) {
    return value_bytes > 2 ? levels * (value_bytes - 2) : 0;
  };
  return longest_placeholder_pattern_ + growth(most_identity_levels_, identity.size()) +
             growth(most_client_id_levels_, client_id.size()) <=
         kMaxTopicBytes;
}

Decision RolePolicy::check_publish(std::string_view topic,
                                   const PlaceholderValues& values) const noexcept {
  if (publish_closed_) return decide(true, 0);
  return decide(false, publish_.tags_matching_topic(topic, values, enough_to_decide(publish_)));
}

Decision RolePolicy::check_subscribe(std::string_view filter,
                                     const PlaceholderValues& values) const noexcept {
  if (subscribe_closed_) return decide(true, 0);
  return decide(false,
                subscribe_.tags_containing_filter(filter, values, enough_to_decide(subscribe_)));
}

Decision RolePolicy::check_read(std::string_view topic,
                                const PlaceholderValues& values) const noexcept {
  if (subscribe_closed_) return decide(true, 0);
  return decide(false, subscribe_.tags_matching_topic(topic, values, enough_to_decide(subscribe_)));
}

std::size_t RolePolicy::rule_count() const noexcept {
  return publish_.size() + subscribe_.size();
}

}  // namespace certacl::policy
