#pragma once
// The one rule for the text that names a device, a role or an MQTT client, used by the CA,
// the plugin, the simulator and the firmware core. The broker substitutes these names into
// topic ACL patterns (%u, %c), so '+', '#' or '/' would let a device widen its own ACL (the
// CVE-2017-7650 class of bug), '%' would smuggle a second substitution, and a leading '$'
// reaches broker topics such as $SYS. Names are also shown to administrators, so text that
// looks like something else (bidi overrides, invisible characters, unnormalized forms) is
// refused rather than rendered.
//
// Unicode: a name is valid UTF-8 (no overlongs, no surrogates). Normalization is not done
// here, a non-NFC name is refused: every code point must be assigned, have canonical
// combining class 0 and NFC_Quick_Check=Yes, which makes any accepted string NFC by
// construction. The table that says so is generated from ICU (identity_unicode_table.inc,
// checked code point by code point against ICU by IdentityUnicodeTable.MatchesIcu). This file
// has no dependencies, so the ESP32 firmware compiles it too.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace certacl {

inline constexpr std::size_t kMaxDeviceNameBytes = 64;
inline constexpr std::size_t kMaxRoleNameBytes = 64;
inline constexpr std::size_t kMaxClientIdBytes = 256;
inline constexpr std::size_t kMaxSanDnsBytes = 253;
inline constexpr std::size_t kMaxSanUriBytes = 2048;

// Each returns why the text cannot be used, or an empty view when it can.
// Device names and roles: 1..64 bytes; client ids: 1..256 bytes; all follow the rule above.
[[nodiscard]] std::string_view device_name_problem(std::string_view name) noexcept;
[[nodiscard]] std::string_view role_name_problem(std::string_view role) noexcept;
[[nodiscard]] std::string_view client_id_problem(std::string_view client_id) noexcept;
// SAN values: a DNS name is LDH labels (letters, digits, '-', '_', '.'), 1..253 bytes; a URI is
// 1..2048 bytes of printable ASCII without spaces, with a scheme. Neither reaches a topic: the
// device name they map to does.
[[nodiscard]] std::string_view san_dns_problem(std::string_view dns_name) noexcept;
[[nodiscard]] std::string_view san_uri_problem(std::string_view uri) noexcept;

// Text safe to put in a log line or a terminal: printable ASCII stays, every other byte
// (control, non-ASCII, invalid UTF-8) becomes \xHH. Never throws on arbitrary bytes.
[[nodiscard]] std::string escape_for_display(std::string_view text);

// A device name that satisfied device_name_problem when it was built; a function taking one
// needs no comment saying "must already be valid".
class DeviceName {
 public:
  // The name, or nullopt with `problem` (if given) set to why not.
  [[nodiscard]] static std::optional<DeviceName> parse(std::string_view text,
                                                       std::string_view* problem = nullptr);
  [[nodiscard]] const std::string& str() const noexcept { return name_; }
  [[nodiscard]] std::string_view view() const noexcept { return name_; }
  bool operator==(const DeviceName&) const = default;

 private:
  explicit DeviceName(std::string name) : name_(std::move(name)) {}
  std::string name_;
};

}  // namespace certacl
