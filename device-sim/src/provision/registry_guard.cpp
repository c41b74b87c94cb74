#include "provision/registry_guard.h"

#include <fmt/format.h>

#include <stdexcept>
#include <string_view>

#include "provision/registry_readout.h"

namespace certacl::sim {

std::optional<std::string> first_foreign_role(const std::vector<std::string>& roles) {
  for (const std::string& role : roles) {
    if (!std::string_view(role).starts_with(kSimulatorRolePrefix)) return role;
  }
  return std::nullopt;
}

void refuse_foreign_registry(const std::string& db_path, bool production_allowed) {
  if (production_allowed) return;
  const std::vector<std::string> roles = RegistryReadout(db_path).roles();
  if (const auto foreign = first_foreign_role(roles)) {
    throw std::runtime_error(fmt::format(
        "registry '{}' has role '{}', which certacl-sim did not create: it looks like a "
        "production registry, and scenarios would add roles and devices to it. Use a scratch "
        "registry (certacl-ca init), or give --i-know-this-is-production",
        db_path, *foreign));
  }
}

}  // namespace certacl::sim
