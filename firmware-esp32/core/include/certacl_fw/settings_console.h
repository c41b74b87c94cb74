#pragma once
// Entering or correcting the device settings (device_settings.h) over the console, for a
// device without a factory NVS partition or whose token was used up. One command per line:
//   set KEY VALUE      e.g. "set token 9f3c..."; KEY is one of device_settings.h's keys
//   set ca_cert        then the PEM lines, up to "-----END CERTIFICATE-----"
//   show               prints every key, secrets (token, wifi_pass) as "(set)"
//   done               ends the session (the device then restarts with the new settings)
// Values are saved as they come (they override the factory partition's); every refused line
// gets one "error: ..." line back. The session is bounded in lines.

#include <optional>
#include <string>
#include <string_view>

#include "certacl_fw/console.h"
#include "certacl_fw/result.h"

namespace certacl::fw {

class SettingsStore {
 public:
  virtual ~SettingsStore() = default;
  virtual std::optional<std::string> load(std::string_view key) = 0;
  virtual Status save(std::string_view key, std::string_view value) = 0;
};

inline constexpr std::size_t kMaxSettingsConsoleLines = 400;

// Returns after "done", at end of input or after kMaxSettingsConsoleLines lines; true when
// "done" was given.
bool run_settings_console(Console& console, SettingsStore& store);

}  // namespace certacl::fw
