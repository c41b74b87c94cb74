#pragma once
// Writes to roles and their topic rules. Patterns are validated when entered, so the
// plugin never meets a rule it cannot compile.

#include <string>

#include "certacl/registry.h"
#include "certacl/sqlite.h"

namespace certacl::ca {

// Throws CaError: kBadInput for a bad name, kConflict when the role exists.
void add_role(SqliteDatabase& db, const std::string& role,
              RoleClientIdRule client_id_rule = RoleClientIdRule::kExact);
// "exact" or "prefix"; throws CaError(kBadInput) naming the value otherwise.
[[nodiscard]] RoleClientIdRule require_client_id_rule(const std::string& text);
// Throws CaError: kNotFound (role), kBadInput (pattern), kConflict (same rule exists).
void add_rule(SqliteDatabase& db, const RoleRule& rule);
// Throws CaError(kNotFound) for an unknown role.
void require_role(SqliteDatabase& db, const std::string& role);

}  // namespace certacl::ca
