#pragma once
// One client's ACL: a cheap handle on its role's shared compiled rules (role_policy.h) plus
// the identity and client id that fill %u and %c at check time. Deny rules win over allow
// rules; no matching rule is a deny. The checks never allocate, throw or touch the
// database. A default-constructed ClientAcl denies everything.

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "certacl/registry.h"
#include "decision.h"
#include "role_policy.h"

namespace certacl::policy {

class ClientAcl {
 public:
  ClientAcl() = default;
  // Compiles `rules` for this client alone. Prefer bind() with the role's shared policy
  // (RegistrySnapshot::policy_for_role): the decisions are the same, the cost is not.
  // `identity` and `client_id` must already satisfy device_name_problem / client_id_problem.
  static ClientAcl compile(std::span<const RoleRule> rules, std::string_view identity,
                           std::string_view client_id);
  // O(1): shares `role` unless these values cannot fill its placeholders exactly (then the
  // rules are compiled with them substituted, as compile() always did).
  static ClientAcl bind(std::shared_ptr<const RolePolicy> role, std::string_view identity,
                        std::string_view client_id);

  // PUBLISH (and will messages): the topic must match an allow-publish pattern and no
  // deny-publish pattern.
  [[nodiscard]] Decision check_publish(std::string_view topic) const noexcept {
    return role_ ? role_->check_publish(topic, values()) : Decision::deny(Reason::kNoMatchingRule);
  }
  // SUBSCRIBE: the whole filter must be contained in an allow-subscribe pattern and in no
  // deny-subscribe pattern, so a device allowed "factory/dev1/#" cannot ask for "#".
  [[nodiscard]] Decision check_subscribe(std::string_view filter) const noexcept {
    return role_ ? role_->check_subscribe(filter, values())
                 : Decision::deny(Reason::kNoMatchingRule);
  }
  // Each delivery: the topic must match an allow-subscribe pattern and no deny-subscribe
  // pattern (a deny narrower than an accepted subscription still applies here).
  [[nodiscard]] Decision check_read(std::string_view topic) const noexcept {
    return role_ ? role_->check_read(topic, values()) : Decision::deny(Reason::kNoMatchingRule);
  }

  [[nodiscard]] std::size_t rule_count() const noexcept;
  // Rules skipped because their pattern was not a valid filter after substitution. A bad
  // deny rule closes its whole action instead, so a damaged database never opens access.
  [[nodiscard]] std::size_t rejected_rule_count() const noexcept;
  // The compiled rules this ACL checks against (shared with the role's other sessions when
  // bind() could share them); nullptr for a default-constructed ACL.
  [[nodiscard]] const RolePolicy* policy() const noexcept { return role_.get(); }

 private:
  [[nodiscard]] PlaceholderValues values() const noexcept { return {identity_, client_id_}; }

  std::shared_ptr<const RolePolicy> role_;
  std::string identity_;
  std::string client_id_;
};

}  // namespace certacl::policy
