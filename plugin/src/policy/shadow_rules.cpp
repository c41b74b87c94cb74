#include "shadow_rules.h"

#include <fmt/format.h>

#include <sstream>

#include "certacl/topic.h"
#include "log_escape.h"

namespace certacl::policy {

std::variant<std::shared_ptr<const ShadowRules>, std::string> ShadowRules::parse(
    std::string_view text) {
  auto rules = std::make_shared<ShadowRules>();
  std::istringstream lines{std::string(text)};
  std::size_t number = 0;
  for (std::string line; std::getline(lines, line);) {
    ++number;
    const std::size_t comment = line.find('#');
    // '#' starts a comment only at the beginning of a line or after a blank: a pattern may
    // end in the multi-level wildcard.
    if (comment != std::string::npos &&
        (comment == 0 || line.find_first_not_of(" \t") == comment)) {
      continue;
    }
    std::istringstream fields(line);
    std::string role, effect, action, pattern, extra;
    if (!(fields >> role)) continue;  // blank line
    if (!(fields >> effect >> action >> pattern) || (fields >> extra)) {
      return fmt::format("line {}: expected '<role> allow|deny publish|subscribe <pattern>'",
                         number);
    }
    const auto parsed_effect = parse_rule_effect(effect);
    if (!parsed_effect)
      return fmt::format("line {}: '{}' is not allow or deny", number, printable(effect));
    const auto parsed_action = parse_rule_action(action);
    if (!parsed_action) {
      return fmt::format("line {}: '{}' is not publish or subscribe", number, printable(action));
    }
    if (const std::string_view problem = topic_filter_problem(pattern); !problem.empty()) {
      return fmt::format("line {}: pattern '{}': {}", number, printable(pattern), problem);
    }
    rules->by_role_[role].push_back(RoleRule{role, *parsed_effect, *parsed_action, pattern});
    ++rules->count_;
  }
  return std::shared_ptr<const ShadowRules>(std::move(rules));
}

std::span<const RoleRule> ShadowRules::rules_for_role(std::string_view role) const noexcept {
  const auto found = by_role_.find(role);
  if (found == by_role_.end()) return {};
  return {found->second.data(), found->second.size()};
}

}  // namespace certacl::policy
