#pragma once
// Commands a device acts on, sent as the payload of a message on its command topic:
//   "ping"                  → the device answers "pong" on its telemetry topic
//   "led on|off|toggle"     → switches the status LED (ESP32) and reports the new state
//   "renew-now"             → renews its certificate over EST at once (then reconnects)
// Anything else is refused with a reply naming it, never acted on.

#include <string>
#include <string_view>

namespace certacl::fw {

enum class CommandKind { ping, led_on, led_off, led_toggle, renew_now, unknown };

[[nodiscard]] CommandKind parse_command(std::string_view payload) noexcept;

// The JSON line the device publishes after acting on a command (`ok` false: refused/failed).
[[nodiscard]] std::string command_reply(std::string_view command, bool ok, std::string_view detail);

}  // namespace certacl::fw
