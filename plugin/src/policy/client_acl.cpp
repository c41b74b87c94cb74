#include "client_acl.h"

namespace certacl::policy {

ClientAcl ClientAcl::compile(std::span<const RoleRule> rules, std::string_view identity,
                             std::string_view client_id) {
  return bind(RolePolicy::compile(rules), identity, client_id);
}

ClientAcl ClientAcl::bind(std::shared_ptr<const RolePolicy> role, std::string_view identity,
                          std::string_view client_id) {
  ClientAcl acl;
  if (role && !role->can_share_with(identity, client_id)) {
    role = RolePolicy::compile_substituted(role->rules(), identity, client_id);
  }
  acl.role_ = std::move(role);
  acl.identity_ = identity;
  acl.client_id_ = client_id;
  return acl;
}

std::size_t ClientAcl::rule_count() const noexcept {
  return role_ ? role_->rule_count() : 0;
}

std::size_t ClientAcl::rejected_rule_count() const noexcept {
  return role_ ? role_->rejected_rule_count() : 0;
}

}  // namespace certacl::policy
