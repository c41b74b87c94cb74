#pragma once
// One role's rules, compiled once and shared by every session of that role. Whole %u and
// %c levels stay placeholder edges, filled at check time with the session's identity and
// client id, so a connect or a rule change costs one compile per role, not one per session.
// Deny rules win over allow rules; no matching rule is a deny. Checks never allocate, throw
// or touch the database.

#include <cstddef>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "certacl/registry.h"
#include "decision.h"
#include "pattern_set.h"

namespace certacl::policy {

class RolePolicy {
 public:
  // Patterns are validated as written, a placeholder counting as one literal level.
  [[nodiscard]] static std::shared_ptr<const RolePolicy> compile(std::span<const RoleRule> rules);
  // The rules with %u and %c substituted first and every level then taken literally: what
  // a session gets when it cannot share (see can_share_with).
  [[nodiscard]] static std::shared_ptr<const RolePolicy> compile_substituted(
      std::span<const RoleRule> rules, std::string_view identity, std::string_view client_id);

  // True when checking against the shared trees with these values decides exactly as a
  // compile with them substituted would: each value is one valid topic level (non-empty,
  // UTF-8, no control character, '/', '+' or '#'), and no substituted pattern could grow
  // past the longest topic. Identities that pass the connect check always qualify.
  [[nodiscard]] bool can_share_with(std::string_view identity,
                                    std::string_view client_id) const noexcept;

  [[nodiscard]] Decision check_publish(std::string_view topic,
                                       const PlaceholderValues& values) const noexcept;
  [[nodiscard]] Decision check_subscribe(std::string_view filter,
                                         const PlaceholderValues& values) const noexcept;
  [[nodiscard]] Decision check_read(std::string_view topic,
                                    const PlaceholderValues& values) const noexcept;

  [[nodiscard]] std::size_t rule_count() const noexcept;
  [[nodiscard]] std::size_t rejected_rule_count() const noexcept { return rejected_rules_; }
  [[nodiscard]] std::span<const RoleRule> rules() const noexcept { return rules_; }

 private:
  void add(const RoleRule& rule, std::string pattern, bool placeholders);

  // Allow and deny patterns of an action share one tree (tagged), so a check walks once.
  PatternSet publish_;
  PatternSet subscribe_;
  bool publish_closed_ = false;
  bool subscribe_closed_ = false;
  std::size_t rejected_rules_ = 0;
  // Kept for the sessions that cannot share (compile_substituted).
  std::vector<RoleRule> rules_;
  // What can_share_with needs to bound a substituted pattern's length without walking
  // the rules: the longest placeholder pattern and the most placeholders of each kind.
  bool shareable_ = true;
  std::size_t longest_placeholder_pattern_ = 0;
  std::size_t most_identity_levels_ = 0;
  std::size_t most_client_id_levels_ = 0;
};

}  // namespace certacl::policy
