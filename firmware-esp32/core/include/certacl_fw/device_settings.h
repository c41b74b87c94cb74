#pragma once
// Who the device is and where it connects, read from data, never compiled in: one firmware
// image serves the whole fleet. On the ESP32 the values come from the factory NVS partition
// (made with ESP-IDF's nvs_partition_gen.py from a CSV, namespace "certacl") or from the
// console (which overrides the factory values); on the host from a settings file.
// Keys (each at most 15 bytes, NVS's limit):
//   name, token, est_url, broker_url, ca_cert, wifi_ssid, wifi_pass, telemetry_topic,
//   command_topic, interval_s

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "certacl_fw/result.h"

namespace certacl::fw {

struct Endpoint {
  std::string host;
  std::uint16_t port = 0;
};

struct DeviceSettings {
  std::string name;
  std::string enrollment_token;  // may be empty once enrolled
  std::string est_url;           // https://host[:port]
  Endpoint est;
  std::string broker_url;  // mqtts://host[:port]
  Endpoint broker;
  std::string ca_certificate_pem;  // the trust anchor for the EST server and the broker
  std::string wifi_ssid;
  std::string wifi_password;
  std::string telemetry_topic = "factory/%u/telemetry";  // %u = the device name
  std::string command_topic = "cmd/%u";
  std::uint32_t publish_interval_s = 30;

  // A topic template with %u replaced by the device name.
  [[nodiscard]] std::string topic(std::string_view pattern) const;
};

// Looks a setting up by key; nullopt when it is not set.
using SettingLookup = std::function<std::optional<std::string>(std::string_view key)>;

// Reads and checks every setting; fails with one line naming the first missing or bad one.
// `require_wifi` is false on the host.
[[nodiscard]] Result<DeviceSettings> read_device_settings(const SettingLookup& lookup,
                                                          bool require_wifi);

// "scheme://host[:port]" with the scheme required; `default_port` when none is given.
[[nodiscard]] Result<Endpoint> parse_endpoint_url(std::string_view url, std::string_view scheme,
                                                  std::uint16_t default_port);

}  // namespace certacl::fw
