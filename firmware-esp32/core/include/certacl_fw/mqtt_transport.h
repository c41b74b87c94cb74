#pragma once
// The one thing the device session needs from an MQTT stack: publish, and hand over the
// commands that arrive on the device's command topic. ESP-IDF's esp-mqtt implements it on
// the chip (idf/main/mqtt_session.h); the core's own client over Mbed TLS on the host.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "certacl_fw/result.h"

namespace certacl::fw {

class MqttTransport {
 public:
  virtual ~MqttTransport() = default;
  // QoS 1. A failure means the session is lost.
  virtual Status publish(std::string_view topic, std::string_view payload) = 0;
  // The next command payload within `wait`, nullopt when none came; a failure means the
  // session is lost.
  virtual Result<std::optional<std::string>> next_command(std::chrono::milliseconds wait) = 0;
};

}  // namespace certacl::fw
