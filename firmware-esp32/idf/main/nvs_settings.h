#pragma once
// Where the device settings (certacl_fw/device_settings.h) live on the chip:
//  - the factory NVS partition (CONFIG_CERTACL_FACTORY_PARTITION, namespace "certacl"),
//    written once at the factory from a CSV with nvs_partition_gen.py; read-only here;
//  - overrides typed on the console, in the main "nvs" partition (namespace "certacl_cfg",
//    encrypted in the production profile), which win over the factory values.

#include <optional>
#include <string>
#include <string_view>

#include "certacl_fw/settings_console.h"

class NvsSettings final : public certacl::fw::SettingsStore {
 public:
  // Opens the factory partition if there is one (a device without it uses the console).
  NvsSettings();
  // The console override, else the factory value.
  std::optional<std::string> lookup(std::string_view key);

  std::optional<std::string> load(std::string_view key) override;  // overrides only
  certacl::fw::Status save(std::string_view key, std::string_view value) override;

 private:
  std::optional<std::string> factory_value(std::string_view key);
  bool factory_ready_ = false;
};
