#include "engine/simulated_device.h"

#include <fmt/format.h>

#include <cstring>
#include <mutex>
#include <stdexcept>

namespace certacl::sim {
namespace {

const char* nullable(const std::string& text) {
  return text.empty() ? nullptr : text.c_str();
}

}  // namespace

void ensure_mosquitto_library() {
  static std::once_flag once;
  std::call_once(once, [] {
    mosquitto_lib_init();
    std::atexit([] { mosquitto_lib_cleanup(); });
  });
}

SimulatedDevice::SimulatedDevice(DeviceCredentials credentials, BrokerEndpoint broker,
                                 int keepalive_s)
    : credentials_(std::move(credentials)), broker_(std::move(broker)), keepalive_s_(keepalive_s) {
  ensure_mosquitto_library();
  client_.reset(mosquitto_new(credentials_.client_id.c_str(), true, this));
  if (!client_) {
    throw std::runtime_error(
        fmt::format("cannot create MQTT client for device '{}'", credentials_.identity));
  }
  mosquitto_connect_callback_set(client_.get(), &SimulatedDevice::handle_connect);
  mosquitto_disconnect_callback_set(client_.get(), &SimulatedDevice::handle_disconnect);
  mosquitto_subscribe_callback_set(client_.get(), &SimulatedDevice::handle_subscribe);
  mosquitto_message_callback_set(client_.get(), &SimulatedDevice::handle_message);
  mosquitto_publish_callback_set(client_.get(), &SimulatedDevice::handle_publish);
}

SimulatedDevice::~SimulatedDevice() = default;

void SimulatedDevice::set_state(SessionState state) {
  const SessionState from = state_;
  state_ = state;
  state_changed_at_ = SteadyClock::now();
  if (on_state_changed && from != state) on_state_changed(*this, from);
}

void SimulatedDevice::fail(int code, std::string text) {
  error_code_ = code;
  error_text_ = std::move(text);
  set_state(SessionState::kConnectionError);
}

void SimulatedDevice::start_connect() {
  // A retry starts from scratch; libmosquitto closes the old socket, so the number epoll
  // knew may come back for the new one and must be registered again.
  connack_code_.reset();
  error_code_ = 0;
  error_text_.clear();
  abandoned = false;
  registered_socket = -1;
  registered_events = 0;
  connect_started_at_ = SteadyClock::now();
  set_state(SessionState::kConnecting);
  int rc =
      mosquitto_tls_set(client_.get(), broker_.cafile.c_str(), nullptr,
                        nullable(credentials_.certfile), nullable(credentials_.keyfile), nullptr);
  if (rc != MOSQ_ERR_SUCCESS) {
    fail(rc, fmt::format("TLS setup failed: {}", mosquitto_strerror(rc)));
    return;
  }
  rc = mosquitto_tls_opts_set(client_.get(), 1, "tlsv1.2", nullptr);
  if (rc != MOSQ_ERR_SUCCESS) {
    fail(rc, fmt::format("TLS options failed: {}", mosquitto_strerror(rc)));
    return;
  }
  rc = mosquitto_connect_async(client_.get(), broker_.host.c_str(), broker_.port, keepalive_s_);
  if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_CONN_PENDING) {
    fail(rc, fmt::format("connect failed: {}", mosquitto_strerror(rc)));
  }
}

std::optional<int> SimulatedDevice::publish(const std::string& topic, const std::string& payload,
                                            int qos) {
  int mid = 0;
  const int rc = mosquitto_publish(client_.get(), &mid, topic.c_str(),
                                   static_cast<int>(payload.size()), payload.data(), qos, false);
  if (rc != MOSQ_ERR_SUCCESS) return std::nullopt;
  ++sent_count_;
  return mid;
}

std::optional<int> SimulatedDevice::subscribe(const std::string& filter, int qos) {
  int mid = 0;
  if (mosquitto_subscribe(client_.get(), &mid, filter.c_str(), qos) != MOSQ_ERR_SUCCESS) {
    return std::nullopt;
  }
  return mid;
}

void SimulatedDevice::disconnect() {
  if (state_ == SessionState::kConnected) {
    set_state(SessionState::kClosed);
    mosquitto_disconnect(client_.get());
  }
}

bool SimulatedDevice::settled() const noexcept {
  return state_ != SessionState::kIdle && state_ != SessionState::kConnecting;
}

std::optional<int> SimulatedDevice::granted_qos(int mid) const {
  const auto found = granted_.find(mid);
  if (found == granted_.end()) return std::nullopt;
  return found->second;
}

std::uint64_t SimulatedDevice::refused_subscriptions() const {
  std::uint64_t refused = 0;
  for (const auto& [mid, qos] : granted_) refused += qos >= 0x80 ? 1 : 0;
  return refused;
}

std::string SimulatedDevice::describe_outcome() const {
  switch (state_) {
    case SessionState::kIdle:
      return "not started";
    case SessionState::kConnecting:
      return "no answer (timed out)";
    case SessionState::kConnected:
      return "accepted (CONNACK 0)";
    case SessionState::kRefused:
      return fmt::format("refused: CONNACK {} ({})", connack_code_.value_or(-1),
                         mosquitto_connack_string(connack_code_.value_or(-1)));
    case SessionState::kConnectionError:
      return fmt::format("refused: connection failed ({})", error_text_);
    case SessionState::kDropped:
      return fmt::format("dropped after connect ({})", error_text_);
    case SessionState::kClosed:
      return "closed by the simulator";
  }
  return "unknown";
}

void SimulatedDevice::handshake_failed(int rc, int socket_error) {
  if (state_ != SessionState::kConnecting) return;
  if (socket_error != 0) {
    fail(rc, fmt::format("handshake failed: {}", std::strerror(socket_error)));
  } else if (rc == MOSQ_ERR_CONN_LOST) {
    fail(rc, "connection closed during TLS handshake");
  } else {
    fail(rc, fmt::format("TLS handshake failed: {}", mosquitto_strerror(rc)));
  }
}

// ---- libmosquitto callbacks (run inside loop_read/loop_write on the event loop) ----

void SimulatedDevice::handle_connect(mosquitto*, void* self, int code) {
  auto& device = *static_cast<SimulatedDevice*>(self);
  device.connack_code_ = code;
  if (code != 0) {
    device.set_state(SessionState::kRefused);
    return;
  }
  device.set_state(SessionState::kConnected);
  if (device.on_connected) device.on_connected(device);
}

void SimulatedDevice::handle_disconnect(mosquitto*, void* self, int code) {
  auto& device = *static_cast<SimulatedDevice*>(self);
  // libmosquitto has already closed the socket, which also took it out of epoll.
  device.registered_socket = -1;
  device.registered_events = 0;
  switch (device.state_) {
    case SessionState::kConnecting:
      device.fail(code, code == MOSQ_ERR_TLS ? "TLS handshake rejected"
                                             : fmt::format("{}", mosquitto_strerror(code)));
      break;
    case SessionState::kConnected:
      device.error_code_ = code;
      device.error_text_ = mosquitto_strerror(code);
      device.set_state(SessionState::kDropped);
      break;
    default:
      break;  // refused or closed: the state already says what happened
  }
}

void SimulatedDevice::handle_subscribe(mosquitto*, void* self, int mid, int count,
                                       const int* granted) {
  auto& device = *static_cast<SimulatedDevice*>(self);
  const int qos = count > 0 ? granted[0] : 0x80;
  device.granted_[mid] = qos;
  if (device.on_subscribed) device.on_subscribed(device, mid, qos);
}

void SimulatedDevice::handle_message(mosquitto*, void* self, const mosquitto_message* message) {
  auto& device = *static_cast<SimulatedDevice*>(self);
  ++device.received_count_;
  if (device.keep_messages) {
    device.received_.push_back({message->topic,
                                std::string(static_cast<const char*>(message->payload),
                                            static_cast<std::size_t>(message->payloadlen)),
                                SteadyClock::now()});
  }
  if (device.on_message) device.on_message(device, *message);
}

void SimulatedDevice::handle_publish(mosquitto*, void* self, int) {
  ++static_cast<SimulatedDevice*>(self)->acked_count_;
}

}  // namespace certacl::sim
