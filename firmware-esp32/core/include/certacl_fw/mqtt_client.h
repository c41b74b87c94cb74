#pragma once
// A small synchronous MQTT 3.1.1 client for one device: CONNECT, PUBLISH QoS 0/1, SUBSCRIBE,
// PINGREQ, DISCONNECT. Every wait is bounded; any protocol violation by the broker ends the
// session (the client is then "broken" and the caller reconnects), because a stream that
// lost its framing cannot be trusted again.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "certacl_fw/byte_stream.h"
#include "certacl_fw/mqtt_packet.h"
#include "certacl_fw/result.h"

namespace certacl::fw {

struct MqttSettings {
  std::chrono::milliseconds response_timeout{10'000};  // CONNACK, PUBACK, SUBACK, PINGRESP
  std::uint16_t keep_alive_seconds = 60;
  // Worst case held in memory: max_packet_bytes × (max_queued_messages + 1) = 36 KiB.
  std::size_t max_packet_bytes = std::size_t{4} * 1024;  // larger incoming packets end the session
  std::size_t max_queued_messages = 8;  // PUBLISHes that arrive while awaiting an ack
};

class MqttClient {
 public:
  MqttClient(ByteStream& stream, MqttSettings settings) : stream_(stream), settings_(settings) {}

  // Sends CONNECT and waits for CONNACK. The broker's answer, accepted or not, is the value;
  // a failure means no valid CONNACK arrived.
  Result<mqtt::Connack> connect(std::string_view client_id);
  // QoS 1 waits for the matching PUBACK.
  Status publish(std::string_view topic, std::string_view payload, int qos, bool retain = false);
  // The granted QoS (0 or 1), or a failure when the broker refused the filter (0x80).
  Result<int> subscribe(std::string_view filter, int qos);
  Status ping();
  Status disconnect();

  // The next message the broker delivered, or nullopt when none arrived within `timeout`.
  Result<std::optional<mqtt::Publish>> receive(std::chrono::milliseconds timeout);

  [[nodiscard]] bool broken() const noexcept { return broken_; }

 private:
  Status send(const mqtt::Bytes& bytes);
  // The next packet, nullopt when none starts within `timeout`.
  Result<std::optional<mqtt::Packet>> read_packet(std::chrono::milliseconds timeout);
  // Reads until a packet of `type` arrives, queueing PUBLISHes that come first.
  Result<mqtt::Packet> await(mqtt::PacketType type, std::string_view what);
  Status take_publish(const mqtt::Packet& packet);
  Status fail(std::string message);
  std::uint16_t next_packet_id() noexcept;

  ByteStream& stream_;
  MqttSettings settings_;
  std::deque<mqtt::Publish> inbox_;
  std::uint16_t last_packet_id_ = 0;
  bool connected_ = false;
  bool broken_ = false;
};

}  // namespace certacl::fw
