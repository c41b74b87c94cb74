#pragma once
// Which registered device a client id belongs to. mosquitto lets a new connection take over
// the session of the client id it names, so a client id must never be usable by two devices:
// it belongs to the registered device with the longest name n such that the id is n itself or
// begins with "n-". Under the prefix rule device `a` may use `a-1` but not `a-b-1` while a
// device `a-b` is registered (that id is `a-b`'s), so `a` can never kick `a-b`. Pure; costs
// one hash lookup per '-' in the id beyond the device name.

#include <string_view>

#include "registry_snapshot.h"

namespace certacl::policy {

// The device the id belongs to, or nullptr when it belongs to none.
[[nodiscard]] const RegisteredDevice* client_id_owner(std::string_view client_id,
                                                      const RegistrySnapshot& registry) noexcept;

// True when `client_id` is `<device>-<suffix>` (suffix not empty) and belongs to `device`:
// no registered device with a longer name owns it.
[[nodiscard]] bool prefix_client_id_of(std::string_view client_id, std::string_view device,
                                       const RegistrySnapshot& registry) noexcept;

// Calls `visit(name)` for each name that would own `client_id` ahead of `device` if a device
// of that name were registered: the id itself and its prefixes before a '-', only those
// longer than `device` when `device` is one of them (the longest name wins), else all. A
// client id that `device` may use can be lost only by a change to one of these names.
template <typename Visit>
void for_each_rival_owner(std::string_view client_id, std::string_view device, Visit&& visit) {
  const bool device_owns = client_id.starts_with(device) &&
                           (client_id.size() == device.size() || client_id[device.size()] == '-');
  const std::size_t longer_than = device_owns ? device.size() : 0;
  if (client_id.size() > longer_than) visit(client_id);
  for (std::size_t dash = client_id.rfind('-');
       dash != std::string_view::npos && dash > longer_than;
       dash = client_id.rfind('-', dash - 1)) {
    visit(client_id.substr(0, dash));
  }
}

}  // namespace certacl::policy
