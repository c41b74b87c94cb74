#pragma once
// One client's ACL, compiled once at connect from its role's rules with %u (identity) and
// %c (client id) substituted. Deny rules win over allow rules; no matching rule is a deny.
// The checks never allocate, throw or touch the database.

#include <span>
#include <string_view>

#include "certacl/registry.h"
#include "decision.h"
#include "pattern_set.h"

namespace certacl::policy {

class ClientAcl {
 public:
  ClientAcl() = default;
  // `identity` and `client_id` must already satisfy device_name_problem / client_id_problem.
  static ClientAcl compile(std::span<const RoleRule> rules, std::string_view identity,
                           std::string_view client_id);

  // PUBLISH (and will messages): the topic must match an allow-publish pattern and no
  // deny-publish pattern.
  [[nodiscard]] Decision check_publish(std::string_view topic) const noexcept;
  // SUBSCRIBE: the whole filter must be contained in an allow-subscribe pattern and in no
  // deny-subscribe pattern, so a device allowed "factory/dev1/#" cannot ask for "#".
  [[nodiscard]] Decision check_subscribe(std::string_view filter) const noexcept;
  // Each delivery: the topic must match an allow-subscribe pattern and no deny-subscribe
  // pattern (a deny narrower than an accepted subscription still applies here).
  [[nodiscard]] Decision check_read(std::string_view topic) const noexcept;

  [[nodiscard]] std::size_t rule_count() const noexcept;
  // Rules skipped because their pattern was not a valid filter after substitution. A bad
  // deny rule closes its whole action instead, so a damaged database never opens access.
  [[nodiscard]] std::size_t rejected_rule_count() const noexcept { return rejected_rules_; }

 private:
  PatternSet allow_publish_;
  PatternSet deny_publish_;
  PatternSet allow_subscribe_;
  PatternSet deny_subscribe_;
  bool publish_closed_ = false;
  bool subscribe_closed_ = false;
  std::size_t rejected_rules_ = 0;
};

}  // namespace certacl::policy
