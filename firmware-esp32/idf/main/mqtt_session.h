#pragma once
// One MQTT session with ESP-IDF's esp-mqtt over esp-tls: mutual TLS with the credentials of
// the active slot, client id = device name. esp-mqtt's own reconnect is off: the main loop
// reconnects with the core's jittered back-off, and after a renewal with the new
// certificate. Events reach the main task through a bounded queue.

#include <freertos/FreeRTOS.h>
#include <freertos/queue.h>
#include <mqtt_client.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "certacl_fw/device_settings.h"
#include "certacl_fw/mqtt_transport.h"
#include "certacl_fw/provisioning.h"

struct MqttEvent {
  enum class Kind { connected, disconnected, command } kind = Kind::disconnected;
  // A command payload; longer ones are dropped (commands are a few bytes).
  char payload[64] = {};
  std::size_t payload_length = 0;
};

class MqttSession final : public certacl::fw::MqttTransport {
 public:
  MqttSession(const certacl::fw::DeviceSettings& settings,
              const certacl::fw::DeviceCredentials& credentials);
  ~MqttSession();
  MqttSession(const MqttSession&) = delete;
  MqttSession& operator=(const MqttSession&) = delete;

  bool start();
  // QoS 1 publish through esp-mqtt's outbox (messages wait there until connected); a
  // failure when the outbox would not take it.
  certacl::fw::Status publish(std::string_view topic, std::string_view payload) override;
  // Handles the events that arrived within `wait` (subscribing to the command topic once
  // connected); a command payload, nullopt, or a failure once disconnected.
  certacl::fw::Result<std::optional<std::string>> next_command(
      std::chrono::milliseconds wait) override;

 private:
  static void on_event(void* self, esp_event_base_t base, int32_t id, void* data);

  std::string uri_;
  std::string client_id_;
  std::string command_topic_;
  // esp-mqtt keeps pointers to these, not copies: they live as long as the session.
  std::string ca_pem_;
  std::string certificate_pem_;
  std::string key_pem_;
  QueueHandle_t events_ = nullptr;
  esp_mqtt_client_handle_t client_ = nullptr;
};
