#pragma once
// Shadow rules: a candidate rule set evaluated beside the enforced one, Envoy-style. Every
// check of a live session is also decided under the candidate rules of the device's role;
// the candidate never changes an answer, it is only counted (its own counters, and how
// often it disagrees) and, at debug, logged. Read once at start from the file named by
// plugin_opt_shadow_rules, one rule per line:
//   <role> allow|deny publish|subscribe <pattern>      # comments and blank lines ignored

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "certacl/registry.h"
#include "text_lookup.h"

namespace certacl::policy {

class ShadowRules {
 public:
  // The rules, or an error naming the line ("line 3: 'permit' is not allow or deny").
  [[nodiscard]] static std::variant<std::shared_ptr<const ShadowRules>, std::string> parse(
      std::string_view text);
  [[nodiscard]] std::span<const RoleRule> rules_for_role(std::string_view role) const noexcept;
  [[nodiscard]] std::size_t size() const noexcept { return count_; }

 private:
  TextMap<std::vector<RoleRule>> by_role_;
  std::size_t count_ = 0;
};

}  // namespace certacl::policy
