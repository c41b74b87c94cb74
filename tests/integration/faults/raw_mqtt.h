#pragma once
// A deliberately minimal MQTT 3.1.1 client over TLS that writes packets byte by byte, so a
// test can send what no well-behaved library would: a megabyte client id, a topic of
// 10,000 levels. It never retries and every read is bounded in time.

#include <openssl/ssl.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace certacl::test {

struct RawPacket {
  std::uint8_t type = 0;  // upper nibble of the fixed header (2 = CONNACK, 4 = PUBACK, ...)
  std::string body;
};

class RawMqttConnection {
 public:
  // TLS to 127.0.0.1:port with the given client certificate; throws if TLS fails.
  RawMqttConnection(int port, const std::string& ca_file, const std::string& certificate_file,
                    const std::string& key_file);
  ~RawMqttConnection();
  RawMqttConnection(const RawMqttConnection&) = delete;
  RawMqttConnection& operator=(const RawMqttConnection&) = delete;

  // Writes everything; false when the peer closed the connection first.
  bool send(const std::string& bytes);
  // The next packet, or nullopt if the connection closed or nothing came within `timeout`.
  std::optional<RawPacket> receive(std::chrono::milliseconds timeout = std::chrono::seconds(5));

 private:
  bool read_exact(std::string& out, std::size_t count,
                  std::chrono::steady_clock::time_point deadline);

  int socket_ = -1;
  struct ContextFree {
    void operator()(SSL_CTX* context) const { SSL_CTX_free(context); }
  };
  struct SslFree {
    void operator()(SSL* ssl) const { SSL_free(ssl); }
  };
  std::unique_ptr<SSL_CTX, ContextFree> context_;
  std::unique_ptr<SSL, SslFree> ssl_;
};

// Packet builders (MQTT 3.1.1). `remaining` is encoded as the variable-length integer.
std::string mqtt_fixed_header(std::uint8_t first_byte, std::size_t remaining);
std::string mqtt_string(const std::string& text);  // 2-byte length + bytes (text <= 65535)
std::string mqtt_connect(const std::string& client_id);
std::string mqtt_publish_qos1(const std::string& topic, const std::string& payload,
                              std::uint16_t packet_id);
std::string mqtt_subscribe(const std::string& filter, std::uint16_t packet_id);

}  // namespace certacl::test
