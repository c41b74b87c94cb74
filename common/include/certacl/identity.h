#pragma once
// Rules for the text that names a device or an MQTT client. The broker substitutes these
// names into topic ACL patterns, so a '+', '#' or '/' would let one device widen its own
// ACL (the CVE-2017-7650 class of bug). The CA refuses such names when they are registered
// and the plugin refuses them again when a client connects.

#include <cstddef>
#include <string_view>

namespace certacl {

inline constexpr std::size_t kMaxDeviceNameBytes = 64;
inline constexpr std::size_t kMaxClientIdBytes = 256;

// Returns why `name` cannot be a device identity, or an empty view when it can.
// A valid name is 1..64 bytes of printable characters (ASCII 0x20..0x7E or UTF-8
// sequences above 0x7F), never '+', '#', '/', NUL or a control character.
[[nodiscard]] std::string_view device_name_problem(std::string_view name) noexcept;

// Same rule for MQTT client ids, with a longer length limit. Client ids are substituted
// for %c in ACL patterns, so the same characters are forbidden.
[[nodiscard]] std::string_view client_id_problem(std::string_view client_id) noexcept;

}  // namespace certacl
