#pragma once
// Keeps the simulator out of production registries. Scenarios and load runs add roles and
// devices; every role the simulator creates is named "sim-...", so a registry holding any
// other role was not made for (or by) the simulator and is refused unless the operator
// says --i-know-this-is-production.

#include <optional>
#include <string>
#include <vector>

namespace certacl::sim {

inline constexpr const char* kSimulatorRolePrefix = "sim-";

// The first role the simulator would not have created, if any. Pure.
[[nodiscard]] std::optional<std::string> first_foreign_role(const std::vector<std::string>& roles);

// Reads the registry's roles (read-only) and throws std::runtime_error explaining the
// refusal when it holds a foreign one and `production_allowed` is false.
void refuse_foreign_registry(const std::string& db_path, bool production_allowed);

}  // namespace certacl::sim
