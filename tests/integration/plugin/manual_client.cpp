#include "manual_client.h"

#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <sys/socket.h>

#include <algorithm>

#include "certacl_test/mqtt_client.h"

namespace certacl::test {
namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

ManualClient::ManualClient(ManualClientSettings settings) : settings_(std::move(settings)) {
  ensure_mosquitto_library();
  mosq_ = mosquitto_new(settings_.client_id.c_str(), settings_.clean_session, this);
  if (mosq_ == nullptr) return;
  if (settings_.mqtt5) mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
  mosquitto_connect_callback_set(mosq_, on_connect);
  mosquitto_disconnect_callback_set(mosq_, on_disconnect);
  mosquitto_subscribe_callback_set(mosq_, on_subscribe);
  mosquitto_publish_callback_set(mosq_, on_publish);
  mosquitto_message_callback_set(mosq_, on_message);
  mosquitto_tls_set(mosq_, settings_.cafile.c_str(), nullptr, settings_.certfile.c_str(),
                    settings_.keyfile.c_str(), nullptr);
  if (settings_.will_topic) {
    mosquitto_property* properties = nullptr;
    if (settings_.mqtt5 && settings_.will_delay_seconds > 0) {
      mosquitto_property_add_int32(&properties, MQTT_PROP_WILL_DELAY_INTERVAL,
                                   static_cast<std::uint32_t>(settings_.will_delay_seconds));
    }
    mosquitto_will_set_v5(mosq_, settings_.will_topic->c_str(),
                          static_cast<int>(settings_.will_payload.size()),
                          settings_.will_payload.data(), 1, false, properties);
  }
}

ManualClient::~ManualClient() {
  if (mosq_ == nullptr) return;
  if (connected_) mosquitto_disconnect(mosq_);
  mosquitto_destroy(mosq_);
}

template <typename Done>
bool ManualClient::pump_until(Done done, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!done()) {
    if (gone_ || Clock::now() >= deadline) return done();
    if (mosquitto_loop(mosq_, 10, 1) != MOSQ_ERR_SUCCESS) {
      gone_ = true;
      connected_ = false;
    }
  }
  return true;
}

int ManualClient::connect(std::chrono::milliseconds timeout) {
  if (mosq_ == nullptr) return -1;
  mosquitto_property* properties = nullptr;
  if (settings_.mqtt5 && settings_.session_expiry_seconds > 0) {
    mosquitto_property_add_int32(&properties, MQTT_PROP_SESSION_EXPIRY_INTERVAL,
                                 static_cast<std::uint32_t>(settings_.session_expiry_seconds));
  }
  const int rc = mosquitto_connect_bind_v5(mosq_, settings_.host.c_str(), settings_.port, 30,
                                           nullptr, properties);
  mosquitto_property_free_all(&properties);
  if (rc != MOSQ_ERR_SUCCESS) return -1;
  pump_until([this] { return connack_ >= 0; }, timeout);
  return connack_;
}

std::optional<int> ManualClient::subscribe(const std::string& filter, int qos,
                                           std::chrono::milliseconds timeout) {
  int mid = 0;
  if (mosquitto_subscribe(mosq_, &mid, filter.c_str(), qos) != MOSQ_ERR_SUCCESS) {
    return std::nullopt;
  }
  if (!pump_until([&] { return last_suback_mid_ == mid; }, timeout)) return std::nullopt;
  return last_suback_qos_;
}

bool ManualClient::publish(const std::string& topic, const std::string& payload, int qos,
                           bool retain, std::chrono::milliseconds timeout) {
  int mid = 0;
  if (mosquitto_publish(mosq_, &mid, topic.c_str(), static_cast<int>(payload.size()),
                        payload.data(), qos, retain) != MOSQ_ERR_SUCCESS) {
    return false;
  }
  if (qos == 0) return true;
  return pump_until(
      [&] { return std::find(pubacks_.begin(), pubacks_.end(), mid) != pubacks_.end(); }, timeout);
}

void ManualClient::pump(std::chrono::milliseconds duration) {
  pump_until([] { return false; }, duration);
}

bool ManualClient::wait_for(const std::string& topic, std::chrono::milliseconds timeout) {
  return pump_until([&] { return count(topic) > 0; }, timeout);
}

std::size_t ManualClient::count(const std::string& topic) const {
  return static_cast<std::size_t>(
      std::count_if(received_.begin(), received_.end(),
                    [&](const ManualMessage& message) { return message.topic == topic; }));
}

void ManualClient::drop() {
  const int socket = mosquitto_socket(mosq_);
  if (socket >= 0) ::shutdown(socket, SHUT_RDWR);
  connected_ = false;
  gone_ = true;
}

void ManualClient::disconnect() {
  mosquitto_disconnect(mosq_);
  pump(std::chrono::milliseconds(100));
  connected_ = false;
  gone_ = true;
}

void ManualClient::on_connect(mosquitto*, void* self, int rc) {
  auto& client = *static_cast<ManualClient*>(self);
  client.connack_ = rc;
  client.connected_ = rc == 0;
}

void ManualClient::on_disconnect(mosquitto*, void* self, int) {
  auto& client = *static_cast<ManualClient*>(self);
  client.connected_ = false;
  client.gone_ = true;
}

void ManualClient::on_subscribe(mosquitto*, void* self, int mid, int count, const int* granted) {
  auto& client = *static_cast<ManualClient*>(self);
  client.last_suback_mid_ = mid;
  client.last_suback_qos_ = count > 0 ? granted[0] : -1;
}

void ManualClient::on_publish(mosquitto*, void* self, int mid) {
  static_cast<ManualClient*>(self)->pubacks_.push_back(mid);
}

void ManualClient::on_message(mosquitto*, void* self, const mosquitto_message* message) {
  auto& client = *static_cast<ManualClient*>(self);
  client.received_.push_back(
      {message->topic ? message->topic : "",
       std::string(static_cast<const char*>(message->payload),
                   static_cast<std::size_t>(message->payloadlen < 0 ? 0 : message->payloadlen)),
       message->retain});
}

}  // namespace certacl::test
