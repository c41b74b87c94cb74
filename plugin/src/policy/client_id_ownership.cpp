#include "client_id_ownership.h"

namespace certacl::policy {
namespace {

// The longest registered name n with `client_id` == n or starting with "n-", looking only at
// names longer than `longer_than` bytes (0: all names).
const RegisteredDevice* longest_owner(std::string_view client_id, const RegistrySnapshot& registry,
                                      std::size_t longer_than) noexcept {
  if (const RegisteredDevice* whole = registry.find_device(client_id)) return whole;
  for (std::size_t dash = client_id.rfind('-');
       dash != std::string_view::npos && dash > longer_than;
       dash = client_id.rfind('-', dash - 1)) {
    if (const RegisteredDevice* device = registry.find_device(client_id.substr(0, dash)))
      return device;
  }
  return nullptr;
}

}  // namespace

const RegisteredDevice* client_id_owner(std::string_view client_id,
                                        const RegistrySnapshot& registry) noexcept {
  return longest_owner(client_id, registry, 0);
}

bool prefix_client_id_of(std::string_view client_id, std::string_view device,
                         const RegistrySnapshot& registry) noexcept {
  if (client_id.size() <= device.size() + 1 || !client_id.starts_with(device) ||
      client_id[device.size()] != '-') {
    return false;
  }
  // Only a longer name can own it instead of `device`.
  return longest_owner(client_id, registry, device.size()) == nullptr;
}

}  // namespace certacl::policy
