#include "certacl_fw/device_name.h"

namespace certacl::fw {

std::string_view device_name_problem(std::string_view name) noexcept {
  if (name.empty()) return "is empty";
  if (name.size() > kMaxDeviceNameBytes) return "is too long";
  for (const char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte == 0) return "contains a NUL byte";
    if (byte < 0x20 || byte == 0x7F) return "contains a control character";
    if (c == '+') return "contains the MQTT wildcard '+'";
    if (c == '#') return "contains the MQTT wildcard '#'";
    if (c == '/') return "contains the topic separator '/'";
  }
  return {};
}

}  // namespace certacl::fw
