#include "mqtt_session.h"

#include <esp_log.h>
#include <mbedtls/platform_util.h>

#include <algorithm>
#include <cstring>

namespace {

constexpr const char* kTag = "certacl-mqtt";
constexpr UBaseType_t kQueueLength = 8;
// Memory bounds (docs/FIRMWARE.md adds them up): 2 KiB in + 2 KiB out buffers, at most
// 8 KiB of unacknowledged QoS 1 messages, a 6 KiB task stack.
constexpr int kBufferBytes = 2048;
constexpr std::uint64_t kOutboxLimitBytes = 8 * 1024;
constexpr int kTaskStackBytes = 6144;
constexpr int kNetworkTimeoutMs = 10'000;

}  // namespace

MqttSession::MqttSession(const certacl::fw::DeviceSettings& settings,
                         const certacl::fw::DeviceCredentials& credentials)
    : uri_(settings.broker_url),
      client_id_(credentials.name),
      command_topic_(settings.topic(settings.command_topic)),
      ca_pem_(credentials.ca_certificate_pem),
      certificate_pem_(credentials.certificate_pem) {
  auto key = credentials.key.private_key_pem();
  if (key) key_pem_ = std::move(key.value());
  events_ = xQueueCreate(kQueueLength, sizeof(MqttEvent));
}

MqttSession::~MqttSession() {
  if (client_ != nullptr) esp_mqtt_client_destroy(client_);
  if (events_ != nullptr) vQueueDelete(events_);
  mbedtls_platform_zeroize(key_pem_.data(), key_pem_.size());
}

bool MqttSession::start() {
  if (events_ == nullptr || key_pem_.empty()) return false;
  esp_mqtt_client_config_t config{};
  config.broker.address.uri = uri_.c_str();
  config.broker.verification.certificate = ca_pem_.c_str();
  config.credentials.client_id = client_id_.c_str();
  config.credentials.authentication.certificate = certificate_pem_.c_str();
  config.credentials.authentication.key = key_pem_.c_str();
  config.session.keepalive = 60;
  config.network.disable_auto_reconnect = true;
  config.network.timeout_ms = kNetworkTimeoutMs;
  config.buffer.size = kBufferBytes;
  config.buffer.out_size = kBufferBytes;
  config.task.stack_size = kTaskStackBytes;
  config.outbox.limit = kOutboxLimitBytes;
  client_ = esp_mqtt_client_init(&config);
  if (client_ == nullptr) return false;
  esp_mqtt_client_register_event(client_, MQTT_EVENT_ANY, on_event, this);
  return esp_mqtt_client_start(client_) == ESP_OK;
}

certacl::fw::Status MqttSession::publish(std::string_view topic, std::string_view payload) {
  const std::string name(topic);
  if (esp_mqtt_client_publish(client_, name.c_str(), payload.data(),
                              static_cast<int>(payload.size()), 1, 0) < 0) {
    return certacl::fw::Status::failure("the MQTT outbox is full");
  }
  return certacl::fw::Status::success();
}

certacl::fw::Result<std::optional<std::string>> MqttSession::next_command(
    std::chrono::milliseconds wait) {
  const auto ticks = pdMS_TO_TICKS(std::min<std::int64_t>(wait.count(), 1000));  // no overflow
  MqttEvent event;
  if (xQueueReceive(events_, &event, ticks) != pdTRUE) return std::optional<std::string>{};
  switch (event.kind) {
    case MqttEvent::Kind::disconnected:
      return certacl::fw::Status::failure("disconnected from the broker");
    case MqttEvent::Kind::connected:
      ESP_LOGI(kTag, "connected as '%s'", client_id_.c_str());
      if (esp_mqtt_client_subscribe_single(client_, command_topic_.c_str(), 1) < 0) {
        return certacl::fw::Status::failure("cannot subscribe to the command topic");
      }
      return std::optional<std::string>{};
    case MqttEvent::Kind::command:
      break;
  }
  return std::optional<std::string>(std::string(event.payload, event.payload_length));
}

// Runs in esp-mqtt's task: copy what matters into the queue, never block.
void MqttSession::on_event(void* self, esp_event_base_t /*base*/, int32_t id, void* data) {
  auto* session = static_cast<MqttSession*>(self);
  auto* event = static_cast<esp_mqtt_event_handle_t>(data);
  MqttEvent out;
  switch (static_cast<esp_mqtt_event_id_t>(id)) {
    case MQTT_EVENT_CONNECTED:
      out.kind = MqttEvent::Kind::connected;
      break;
    case MQTT_EVENT_DISCONNECTED:  // also what a failed connect ends with
      out.kind = MqttEvent::Kind::disconnected;
      break;
    case MQTT_EVENT_ERROR:
      ESP_LOGW(kTag, "MQTT error (the disconnect event follows if the session ended)");
      return;
    case MQTT_EVENT_DATA: {
      const bool whole =
          event->current_data_offset == 0 && event->data_len == event->total_data_len;
      const bool ours =
          static_cast<std::size_t>(event->topic_len) == session->command_topic_.size() &&
          std::memcmp(event->topic, session->command_topic_.data(), event->topic_len) == 0;
      if (!whole || !ours || static_cast<std::size_t>(event->data_len) > sizeof(out.payload)) {
        ESP_LOGW(kTag, "dropping a message that is not a command (%d bytes)",
                 event->total_data_len);
        return;
      }
      out.kind = MqttEvent::Kind::command;
      std::memcpy(out.payload, event->data, static_cast<std::size_t>(event->data_len));
      out.payload_length = static_cast<std::size_t>(event->data_len);
      break;
    }
    default:
      return;
  }
  if (xQueueSend(session->events_, &out, 0) != pdTRUE) ESP_LOGW(kTag, "event queue full; dropped");
}
