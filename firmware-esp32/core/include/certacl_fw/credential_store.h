#pragma once
// Where the device keeps its credentials: NVS on the ESP32, a directory of files on the host.
// The key is the only secret; the platform must keep it unreadable by others (0600 on the host,
// encrypted NVS where the chip supports it).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "certacl_fw/result.h"

namespace certacl::fw {

// Two credential slots let renewal write the new key and certificate beside the working ones:
// slot 0 is device_key + device_certificate, slot 1 spare_key + spare_certificate, and
// active_slot ("0" or "1", one write) says which one the device uses.
enum class CredentialItem {
  device_name,
  device_key,
  device_certificate,
  ca_certificate,
  spare_key,
  spare_certificate,
  active_slot
};

inline constexpr int kCredentialSlots = 2;
// The largest value a store must keep (a PEM chain); the console accepts no larger block.
inline constexpr std::size_t kMaxStoredItemBytes = 8192;
[[nodiscard]] CredentialItem key_item(int slot) noexcept;
[[nodiscard]] CredentialItem certificate_item(int slot) noexcept;
// Items that must stay unreadable to others (0600 on the host, encrypted NVS on the chip).
[[nodiscard]] bool is_secret(CredentialItem item) noexcept;

// A short stable name for an item: the NVS key / file stem ("device_key", ...).
[[nodiscard]] std::string_view item_name(CredentialItem item) noexcept;

class CredentialStore {
 public:
  virtual ~CredentialStore() = default;
  // nullopt when the item was never stored; a failure when it exists but cannot be read,
  // so a broken store is never mistaken for an empty one (which would replace the key).
  virtual Result<std::optional<std::string>> load(CredentialItem item) = 0;
  // Replaces the item as a whole: a reader sees the old value or the new one, never half.
  virtual Status save(CredentialItem item, std::string_view value) = 0;
};

}  // namespace certacl::fw
