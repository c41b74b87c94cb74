#pragma once
// One simulated device: its own key and certificate, one libmosquitto client, and a
// record of what it sent, received and was refused. It never runs a network loop of its
// own; the EventLoop drives every device's socket.

#include <mosquitto.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/clock.h"

namespace certacl::sim {

struct BrokerEndpoint {
  std::string host = "127.0.0.1";
  int port = 8883;
  std::string cafile;  // the CA that signed the broker's certificate
};

struct DeviceCredentials {
  std::string identity;   // the name the certificate claims (its CN)
  std::string client_id;  // usually the identity; attacks claim someone else's
  std::string certfile;   // empty: connect without a client certificate
  std::string keyfile;
};

enum class SessionState {
  kIdle,             // not started
  kConnecting,       // TCP/TLS/CONNECT in flight
  kConnected,        // CONNACK 0
  kRefused,          // CONNACK with a non-zero code
  kConnectionError,  // the connection failed before any CONNACK (TLS, TCP)
  kDropped,          // was connected, then the connection went away
  kClosed,           // we disconnected on purpose
};

struct ReceivedMessage {
  std::string topic;
  std::string payload;
  TimePoint at;
};

class SimulatedDevice {
 public:
  SimulatedDevice(DeviceCredentials credentials, BrokerEndpoint broker, int keepalive_s = 30);
  ~SimulatedDevice();
  SimulatedDevice(const SimulatedDevice&) = delete;
  SimulatedDevice& operator=(const SimulatedDevice&) = delete;

  // Starts a non-blocking connect (or a retry); failures (unreadable key, refused TCP) are
  // recorded in the state, never thrown.
  void start_connect();
  // Returns the message id, or nullopt when libmosquitto refused to queue it.
  std::optional<int> publish(const std::string& topic, const std::string& payload, int qos);
  std::optional<int> subscribe(const std::string& filter, int qos);
  void disconnect();

  // Hooks the scenario or the load run sets; they run inside libmosquitto callbacks.
  std::function<void(SimulatedDevice&)> on_connected;
  std::function<void(SimulatedDevice&, int mid, int granted_qos)> on_subscribed;
  std::function<void(SimulatedDevice&, const mosquitto_message&)> on_message;
  std::function<void(SimulatedDevice&, SessionState from)> on_state_changed;
  bool keep_messages = true;  // scenarios keep what arrived; load runs only count it

  [[nodiscard]] const DeviceCredentials& credentials() const noexcept { return credentials_; }
  [[nodiscard]] const std::string& name() const noexcept { return credentials_.identity; }
  [[nodiscard]] SessionState state() const noexcept { return state_; }
  [[nodiscard]] bool settled() const noexcept;  // neither idle nor connecting
  [[nodiscard]] std::optional<int> connack_code() const noexcept { return connack_code_; }
  [[nodiscard]] int error_code() const noexcept { return error_code_; }
  [[nodiscard]] const std::string& error_text() const noexcept { return error_text_; }
  [[nodiscard]] std::optional<int> granted_qos(int mid) const;
  [[nodiscard]] std::uint64_t refused_subscriptions() const;
  [[nodiscard]] const std::vector<ReceivedMessage>& received() const noexcept { return received_; }
  [[nodiscard]] std::uint64_t received_count() const noexcept { return received_count_; }
  [[nodiscard]] std::uint64_t sent_count() const noexcept { return sent_count_; }
  [[nodiscard]] std::uint64_t acked_count() const noexcept { return acked_count_; }
  [[nodiscard]] TimePoint connect_started_at() const noexcept { return connect_started_at_; }
  [[nodiscard]] TimePoint state_changed_at() const noexcept { return state_changed_at_; }
  [[nodiscard]] std::string describe_outcome() const;

  // For the EventLoop only.
  [[nodiscard]] mosquitto* handle() const noexcept { return client_.get(); }
  int registered_socket = -1;
  std::uint32_t registered_events = 0;
  bool abandoned = false;  // failed before CONNACK; its socket is no longer watched
  // The connection failed during TCP/TLS set-up (rc from libmosquitto, errno from the socket).
  void handshake_failed(int rc, int socket_error);

 private:
  struct ClientDeleter {
    void operator()(mosquitto* client) const noexcept { mosquitto_destroy(client); }
  };

  static void handle_connect(mosquitto*, void* self, int code);
  static void handle_disconnect(mosquitto*, void* self, int code);
  static void handle_subscribe(mosquitto*, void* self, int mid, int count, const int* granted);
  static void handle_message(mosquitto*, void* self, const mosquitto_message* message);
  static void handle_publish(mosquitto*, void* self, int mid);
  void set_state(SessionState state);
  void fail(int code, std::string text);

  DeviceCredentials credentials_;
  BrokerEndpoint broker_;
  int keepalive_s_;
  std::unique_ptr<mosquitto, ClientDeleter> client_;
  SessionState state_ = SessionState::kIdle;
  std::optional<int> connack_code_;
  int error_code_ = 0;
  std::string error_text_;
  std::map<int, int> granted_;
  std::vector<ReceivedMessage> received_;
  std::uint64_t received_count_ = 0;
  std::uint64_t sent_count_ = 0;
  std::uint64_t acked_count_ = 0;
  TimePoint connect_started_at_{};
  TimePoint state_changed_at_{};
};

// Initializes libmosquitto once per process (and cleans it up at exit).
void ensure_mosquitto_library();

}  // namespace certacl::sim
