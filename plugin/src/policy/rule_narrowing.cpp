#include "rule_narrowing.h"

#include <algorithm>

namespace certacl::policy {
namespace {

bool same_rule(const RoleRule& a, const RoleRule& b) noexcept {
  return a.effect == b.effect && a.action == b.action && a.pattern == b.pattern;
}

bool contains(std::span<const RoleRule> rules, const RoleRule& wanted) noexcept {
  return std::any_of(rules.begin(), rules.end(),
                     [&](const RoleRule& rule) { return same_rule(rule, wanted); });
}

}  // namespace

bool same_rules(std::span<const RoleRule> a, std::span<const RoleRule> b) noexcept {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), same_rule);
}

bool narrows_delivery(std::span<const RoleRule> before, std::span<const RoleRule> after) noexcept {
  for (const RoleRule& rule : before) {
    if (rule.action == RuleAction::kSubscribe && rule.effect == RuleEffect::kAllow &&
        !contains(after, rule)) {
      return true;
    }
  }
  for (const RoleRule& rule : after) {
    if (rule.action == RuleAction::kSubscribe && rule.effect == RuleEffect::kDeny &&
        !contains(before, rule)) {
      return true;
    }
  }
  return false;
}

}  // namespace certacl::policy
