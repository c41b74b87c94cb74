#pragma once
// A real MQTT client (libmosquitto) over TLS with a client certificate, for integration
// tests. A private thread runs the network loop and never reconnects on its own, so a kick
// stays visible. Every wait is bounded.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

struct mosquitto;
struct mosquitto_message;

namespace certacl::test {

// mosquitto_lib_init() once per process, for every libmosquitto client the tests make.
void ensure_mosquitto_library();

struct MqttClientSettings {
  std::string host = "localhost";  // the test server certificate names localhost
  int port = 0;
  std::string client_id;
  std::string cafile;
  std::string certfile;  // empty: connect without a client certificate
  std::string keyfile;
  // For a password listener (mosquitto's password_file).
  std::optional<std::string> username;
  std::optional<std::string> password;
  bool mqtt5 = false;
  std::optional<std::string> will_topic;  // sets a will (payload "gone") when present
};

struct ConnectOutcome {
  bool connected = false;
  int connack = -1;   // CONNACK return/reason code; -1 when none arrived
  std::string error;  // set when the TCP/TLS connection itself failed
};

struct ReceivedMessage {
  std::string topic;
  std::string payload;
  bool retained = false;
};

class MqttTestClient {
 public:
  explicit MqttTestClient(MqttClientSettings settings);
  ~MqttTestClient();
  MqttTestClient(const MqttTestClient&) = delete;
  MqttTestClient& operator=(const MqttTestClient&) = delete;

  ConnectOutcome connect(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Granted QoS per filter (0x80 / 0x87 = refused), or nullopt when no SUBACK arrived.
  std::optional<std::vector<int>> subscribe(
      const std::string& filter, int qos = 1,
      std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // QoS 0: true once handed to the socket; QoS 1: true once PUBACK arrived.
  bool publish(const std::string& topic, const std::string& payload, int qos = 1,
               bool retain = false, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // The first message received on `topic` (exact name) not yet consumed, waiting at most
  // `timeout`.
  std::optional<ReceivedMessage> wait_for_message(const std::string& topic,
                                                  std::chrono::milliseconds timeout);
  // Time from this call until the connection dropped, or nullopt if it did not.
  std::optional<std::chrono::milliseconds> wait_for_disconnect(std::chrono::milliseconds timeout);
  // The moment the connection was seen to drop (for measuring from an earlier event).
  [[nodiscard]] std::optional<std::chrono::steady_clock::time_point> disconnected_at();
  [[nodiscard]] bool connected();
  void disconnect();
  [[nodiscard]] std::vector<ReceivedMessage> messages();

 private:
  static void on_connect(mosquitto*, void* self, int rc);
  static void on_disconnect(mosquitto*, void* self, int rc);
  static void on_subscribe(mosquitto*, void* self, int mid, int count, const int* granted);
  static void on_publish(mosquitto*, void* self, int mid);
  static void on_message(mosquitto*, void* self, const mosquitto_message* message);
  void run_loop();
  template <typename Call>
  int with_connection(Call call) {
    ++io_wanted_;
    std::lock_guard io(io_);
    --io_wanted_;
    return call();
  }
  void stop_loop();

  MqttClientSettings settings_;
  mosquitto* mosq_ = nullptr;
  std::thread loop_;
  std::mutex mutex_;
  // One thread at a time touches the connection (an SSL object is not thread-safe): the
  // loop thread holds io_ around each short mosquitto_loop, test threads around each call
  // and raise io_wanted_ so the loop steps aside.
  std::mutex io_;
  std::atomic<int> io_wanted_{0};
  std::condition_variable changed_;
  bool stop_ = false;
  bool connack_seen_ = false;
  int connack_ = -1;
  bool connected_ = false;
  std::optional<std::chrono::steady_clock::time_point> disconnected_at_;
  std::map<int, std::vector<int>> subacks_;
  std::set<int> pubacks_;
  std::vector<ReceivedMessage> received_;
  std::vector<bool> consumed_;
};

}  // namespace certacl::test
