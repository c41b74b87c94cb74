#include "certacl/identity.h"

namespace certacl {
namespace {

std::string_view identity_text_problem(std::string_view text, std::size_t max_bytes) noexcept {
  if (text.empty()) return "is empty";
  if (text.size() > max_bytes) return "is too long";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte == 0) return "contains a NUL byte";
    if (byte < 0x20 || byte == 0x7F) return "contains a control character";
    if (c == '+') return "contains the MQTT wildcard '+'";
    if (c == '#') return "contains the MQTT wildcard '#'";
    if (c == '/') return "contains the topic separator '/'";
  }
  return {};
}

}  // namespace

std::string_view device_name_problem(std::string_view name) noexcept {
  return identity_text_problem(name, kMaxDeviceNameBytes);
}

std::string_view client_id_problem(std::string_view client_id) noexcept {
  return identity_text_problem(client_id, kMaxClientIdBytes);
}

}  // namespace certacl
