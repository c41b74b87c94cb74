#pragma once
// The device name is the certificate CN, the MQTT client id and a %u/%c substitute in ACL
// patterns, so the firmware refuses the same names the CA refuses (common/identity.h):
// 1..64 printable bytes, never '+', '#', '/', NUL or a control character. The core keeps
// its own copy of the rule because it must build on the ESP32 without OpenSSL or SQLite;
// a unit test checks both copies agree.

#include <cstddef>
#include <string_view>

namespace certacl::fw {

inline constexpr std::size_t kMaxDeviceNameBytes = 64;

// Why `name` cannot name a device, or an empty view when it can.
[[nodiscard]] std::string_view device_name_problem(std::string_view name) noexcept;

}  // namespace certacl::fw
