#include "certacl_test/mqtt_client.h"

#include <mosquitto.h>

#include <mutex>

namespace certacl::test {
namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

void ensure_mosquitto_library() {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
}

MqttTestClient::MqttTestClient(MqttClientSettings settings) : settings_(std::move(settings)) {
  ensure_mosquitto_library();
  mosq_ = mosquitto_new(settings_.client_id.empty() ? nullptr : settings_.client_id.c_str(), true,
                        this);
  if (mosq_ == nullptr) return;
  if (settings_.mqtt5) mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
  mosquitto_connect_callback_set(mosq_, on_connect);
  mosquitto_disconnect_callback_set(mosq_, on_disconnect);
  mosquitto_subscribe_callback_set(mosq_, on_subscribe);
  mosquitto_publish_callback_set(mosq_, on_publish);
  mosquitto_message_callback_set(mosq_, on_message);
  mosquitto_tls_set(mosq_, settings_.cafile.c_str(), nullptr,
                    settings_.certfile.empty() ? nullptr : settings_.certfile.c_str(),
                    settings_.keyfile.empty() ? nullptr : settings_.keyfile.c_str(), nullptr);
  if (settings_.username) {
    mosquitto_username_pw_set(mosq_, settings_.username->c_str(),
                              settings_.password ? settings_.password->c_str() : nullptr);
  }
  if (settings_.will_topic) {
    mosquitto_will_set(mosq_, settings_.will_topic->c_str(), 4, "gone", 1, false);
  }
}

MqttTestClient::~MqttTestClient() {
  if (mosq_ == nullptr) return;
  // Loop thread first: libmosquitto (unthreaded) writes DISCONNECT from the calling thread,
  // and one SSL object used by two threads at once crashes (SIGSEGV in SSL_write seen under
  // ctest -j2 when the disconnect came before the join).
  stop_loop();
  mosquitto_disconnect(mosq_);
  mosquitto_destroy(mosq_);
}

void MqttTestClient::stop_loop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  if (loop_.joinable()) loop_.join();
}

void MqttTestClient::run_loop() {
  // Bounded by stop_ or the end of the connection; never reconnects.
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (stop_ || disconnected_at_) return;
    }
    if (io_wanted_.load() > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    int rc = MOSQ_ERR_SUCCESS;
    {
      std::lock_guard io(io_);
      rc = mosquitto_loop(mosq_, 10, 1);
    }
    if (rc != MOSQ_ERR_SUCCESS) {
      std::lock_guard lock(mutex_);
      if (!disconnected_at_) disconnected_at_ = Clock::now();
      connected_ = false;
      changed_.notify_all();
      return;
    }
  }
}

ConnectOutcome MqttTestClient::connect(std::chrono::milliseconds timeout) {
  ConnectOutcome outcome;
  if (mosq_ == nullptr) {
    outcome.error = "mosquitto_new failed";
    return outcome;
  }
  const int rc = mosquitto_connect(mosq_, settings_.host.c_str(), settings_.port, 30);
  if (rc != MOSQ_ERR_SUCCESS) {
    outcome.error = mosquitto_strerror(rc);
    return outcome;
  }
  loop_ = std::thread([this] { run_loop(); });
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [this] { return connack_seen_ || disconnected_at_; });
  outcome.connack = connack_seen_ ? connack_ : -1;
  outcome.connected = connack_seen_ && connack_ == 0 && !disconnected_at_;
  if (!connack_seen_)
    outcome.error = disconnected_at_ ? "connection closed before CONNACK" : "timed out";
  return outcome;
}

std::optional<std::vector<int>> MqttTestClient::subscribe(const std::string& filter, int qos,
                                                          std::chrono::milliseconds timeout) {
  int mid = 0;
  if (with_connection([&] { return mosquitto_subscribe(mosq_, &mid, filter.c_str(), qos); }) !=
      MOSQ_ERR_SUCCESS) {
    return std::nullopt;
  }
  std::unique_lock lock(mutex_);
  if (!changed_.wait_for(lock, timeout, [&] { return subacks_.count(mid) > 0; }))
    return std::nullopt;
  return subacks_[mid];
}

bool MqttTestClient::publish(const std::string& topic, const std::string& payload, int qos,
                             bool retain, std::chrono::milliseconds timeout) {
  int mid = 0;
  if (with_connection([&] {
        return mosquitto_publish(mosq_, &mid, topic.c_str(), static_cast<int>(payload.size()),
                                 payload.data(), qos, retain);
      }) != MOSQ_ERR_SUCCESS) {
    return false;
  }
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return pubacks_.count(mid) > 0; });
}

std::optional<ReceivedMessage> MqttTestClient::wait_for_message(const std::string& topic,
                                                                std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  std::optional<ReceivedMessage> found;
  changed_.wait_for(lock, timeout, [&] {
    for (std::size_t i = 0; i < received_.size(); ++i) {
      if (!consumed_[i] && received_[i].topic == topic) {
        consumed_[i] = true;
        found = received_[i];
        return true;
      }
    }
    return false;
  });
  return found;
}

std::optional<std::chrono::milliseconds> MqttTestClient::wait_for_disconnect(
    std::chrono::milliseconds timeout) {
  const auto start = Clock::now();
  std::unique_lock lock(mutex_);
  if (!changed_.wait_for(lock, timeout, [this] { return disconnected_at_.has_value(); })) {
    return std::nullopt;
  }
  const auto elapsed = *disconnected_at_ - start;
  return std::chrono::duration_cast<std::chrono::milliseconds>(
      elapsed.count() < 0 ? Clock::duration::zero() : elapsed);
}

std::optional<std::chrono::steady_clock::time_point> MqttTestClient::disconnected_at() {
  std::lock_guard lock(mutex_);
  return disconnected_at_;
}

bool MqttTestClient::connected() {
  std::lock_guard lock(mutex_);
  return connected_ && !disconnected_at_;
}

void MqttTestClient::disconnect() {
  with_connection([&] { return mosquitto_disconnect(mosq_); });
  stop_loop();
}

std::vector<ReceivedMessage> MqttTestClient::messages() {
  std::lock_guard lock(mutex_);
  return received_;
}

void MqttTestClient::on_connect(mosquitto*, void* self, int rc) {
  auto& client = *static_cast<MqttTestClient*>(self);
  std::lock_guard lock(client.mutex_);
  client.connack_seen_ = true;
  client.connack_ = rc;
  client.connected_ = rc == 0;
  client.changed_.notify_all();
}

void MqttTestClient::on_disconnect(mosquitto*, void* self, int) {
  auto& client = *static_cast<MqttTestClient*>(self);
  std::lock_guard lock(client.mutex_);
  if (!client.disconnected_at_) client.disconnected_at_ = Clock::now();
  client.connected_ = false;
  client.changed_.notify_all();
}

void MqttTestClient::on_subscribe(mosquitto*, void* self, int mid, int count, const int* granted) {
  auto& client = *static_cast<MqttTestClient*>(self);
  std::lock_guard lock(client.mutex_);
  client.subacks_[mid] = std::vector<int>(granted, granted + count);
  client.changed_.notify_all();
}

void MqttTestClient::on_publish(mosquitto*, void* self, int mid) {
  auto& client = *static_cast<MqttTestClient*>(self);
  std::lock_guard lock(client.mutex_);
  client.pubacks_.insert(mid);
  client.changed_.notify_all();
}

void MqttTestClient::on_message(mosquitto*, void* self, const mosquitto_message* message) {
  auto& client = *static_cast<MqttTestClient*>(self);
  std::lock_guard lock(client.mutex_);
  client.received_.push_back(
      {message->topic ? message->topic : "",
       std::string(static_cast<const char*>(message->payload),
                   static_cast<std::size_t>(message->payloadlen < 0 ? 0 : message->payloadlen)),
       message->retain});
  client.consumed_.push_back(false);
  client.changed_.notify_all();
}

}  // namespace certacl::test
