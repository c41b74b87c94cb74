#pragma once
// Correcting a PostgreSQL registry: `device set-role`, `role remove`, `role rule remove`, with
// the checks, messages and audit rows of their SQLite versions (device_removal.h,
// role_editing.h). Each is one transaction behind the CA writer lock, so its checks and its
// change see the same registry.

#include <cstdint>
#include <string>

#include "certacl/registry.h"
#include "certacl/store/postgres_store.h"

namespace certacl::ca {

// Returns false when the device had that role already. Throws CaError(kNotFound).
bool set_device_role(store::PostgresStore& store, const std::string& name, const std::string& role);
// Throws CaError: kNotFound, kConflict while devices have the role.
void remove_role(store::PostgresStore& store, const std::string& role);
// Returns the removed rule. Throws CaError(kNotFound) for an unknown role or rule id.
RoleRule remove_rule(store::PostgresStore& store, const std::string& role, std::int64_t rule_id);

}  // namespace certacl::ca
