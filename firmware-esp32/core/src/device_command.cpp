#include "certacl_fw/device_command.h"

#include <cctype>

namespace certacl::fw {
namespace {

std::string_view trim(std::string_view text) noexcept {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())) != 0)
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0)
    text.remove_suffix(1);
  return text;
}

// Only printable ASCII goes back into the JSON reply; anything else becomes '?'.
std::string json_text(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 64)) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else {
      out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
    }
  }
  return out;
}

}  // namespace

CommandKind parse_command(std::string_view payload) noexcept {
  const std::string_view command = trim(payload);
  if (command == "ping") return CommandKind::ping;
  if (command == "led on") return CommandKind::led_on;
  if (command == "led off") return CommandKind::led_off;
  if (command == "led toggle" || command == "led") return CommandKind::led_toggle;
  if (command == "renew-now") return CommandKind::renew_now;
  return CommandKind::unknown;
}

std::string command_reply(std::string_view command, bool ok, std::string_view detail) {
  return std::string("{\"command\":\"") + json_text(trim(command)) +
         "\",\"ok\":" + (ok ? "true" : "false") + ",\"detail\":\"" + json_text(detail) + "\"}";
}

}  // namespace certacl::fw
