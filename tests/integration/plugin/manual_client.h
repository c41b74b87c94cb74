#pragma once
// A libmosquitto client driven entirely from the test thread: nothing is read from the
// socket unless the test pumps the network loop, so a test can play a slow subscriber, a
// persistent session that goes offline, or a connection that drops without DISCONNECT
// (which makes the broker publish the will). Every wait is bounded.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

struct mosquitto;
struct mosquitto_message;

namespace certacl::test {

struct ManualClientSettings {
  std::string host = "localhost";
  int port = 0;
  std::string client_id;
  std::string cafile;
  std::string certfile;
  std::string keyfile;
  bool mqtt5 = false;
  bool clean_session = true;
  int session_expiry_seconds = 0;  // MQTT 5 only
  std::optional<std::string> will_topic;
  std::string will_payload = "gone";
  int will_delay_seconds = 0;  // MQTT 5 only
};

struct ManualMessage {
  std::string topic;
  std::string payload;
  bool retained = false;
};

class ManualClient {
 public:
  explicit ManualClient(ManualClientSettings settings);
  ~ManualClient();
  ManualClient(const ManualClient&) = delete;
  ManualClient& operator=(const ManualClient&) = delete;

  // CONNACK code, or -1 when none arrived (TLS refused, timeout).
  int connect(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Granted QoS, or nullopt without SUBACK.
  std::optional<int> subscribe(const std::string& filter, int qos = 1,
                               std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // QoS 1: true once PUBACK arrived.
  bool publish(const std::string& topic, const std::string& payload, int qos = 1,
               bool retain = false, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Runs the network loop for `duration` (or until the connection ends).
  void pump(std::chrono::milliseconds duration);
  // Pumps until a message on `topic` arrived, at most `timeout`.
  bool wait_for(const std::string& topic, std::chrono::milliseconds timeout);
  [[nodiscard]] std::size_t count(const std::string& topic) const;
  [[nodiscard]] const std::vector<ManualMessage>& received() const noexcept { return received_; }
  [[nodiscard]] bool connected() const noexcept { return connected_; }
  // Closes the TCP connection without DISCONNECT: the broker publishes the will.
  void drop();
  // A clean DISCONNECT (no will).
  void disconnect();

 private:
  template <typename Done>
  bool pump_until(Done done, std::chrono::milliseconds timeout);
  static void on_connect(mosquitto*, void* self, int rc);
  static void on_disconnect(mosquitto*, void* self, int rc);
  static void on_subscribe(mosquitto*, void* self, int mid, int count, const int* granted);
  static void on_publish(mosquitto*, void* self, int mid);
  static void on_message(mosquitto*, void* self, const mosquitto_message* message);

  ManualClientSettings settings_;
  mosquitto* mosq_ = nullptr;
  int connack_ = -1;
  bool connected_ = false;
  bool gone_ = false;
  int last_suback_mid_ = -1;
  int last_suback_qos_ = -1;
  std::vector<int> pubacks_;
  std::vector<ManualMessage> received_;
};

}  // namespace certacl::test
