#pragma once
// Correcting roles: removing a role nobody uses and removing one rule by the id that
// `role show` prints. Each function is one use case and owns its write transaction.

#include <cstdint>
#include <string>
#include <vector>

#include "certacl/registry.h"
#include "certacl/sqlite.h"

namespace certacl::ca {

struct NumberedRule {
  std::int64_t id = 0;  // role_rules.id, stable for the rule's lifetime
  RoleRule rule;
};

// The role's rules with their ids, in id order. Throws CaError(kNotFound) for an unknown role.
[[nodiscard]] std::vector<NumberedRule> load_numbered_rules(SqliteDatabase& db,
                                                            const std::string& role);

// Deletes the role and its rules. Throws CaError: kNotFound (role), kConflict while any
// device has the role.
void remove_role(SqliteDatabase& db, const std::string& role);

// Sets which client ids the role's devices may use (the broker applies it to live sessions).
// Returns false when the role already had that rule (nothing written). Throws
// CaError(kNotFound) for an unknown role.
bool set_role_client_id_rule(SqliteDatabase& db, const std::string& role, RoleClientIdRule rule);

// Deletes one rule of `role` and returns it. Throws CaError(kNotFound) when the role does
// not exist or has no rule with that id.
RoleRule remove_rule(SqliteDatabase& db, const std::string& role, std::int64_t rule_id);

}  // namespace certacl::ca
