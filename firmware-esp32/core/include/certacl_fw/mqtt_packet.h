#pragma once
// MQTT 3.1.1 packets the device sends and receives, encoded and decoded without I/O, so that
// every byte from the network can be checked here (and unit-tested) before it is believed.
// Decoders take the packet body (after the fixed header) and refuse anything the
// specification does not allow instead of guessing.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "certacl_fw/result.h"

namespace certacl::fw::mqtt {

using Bytes = std::vector<std::uint8_t>;

enum class PacketType : std::uint8_t {
  connect = 1,
  connack = 2,
  publish = 3,
  puback = 4,
  subscribe = 8,
  suback = 9,
  pingreq = 12,
  pingresp = 13,
  disconnect = 14,
};

inline constexpr std::uint32_t kMaxRemainingLength = 268'435'455;  // four length bytes
inline constexpr std::size_t kMaxStringBytes = 65'535;

// ---- encoding (client to broker) ----

struct ConnectRequest {
  std::string client_id;
  std::uint16_t keep_alive_seconds = 60;
  bool clean_session = true;
};

Result<Bytes> encode_connect(const ConnectRequest& request);
// qos 0 ignores packet_id; qos 1 needs a non-zero one.
Result<Bytes> encode_publish(std::string_view topic, std::string_view payload, int qos,
                             std::uint16_t packet_id, bool retain);
Bytes encode_puback(std::uint16_t packet_id);
Result<Bytes> encode_subscribe(std::uint16_t packet_id, std::string_view filter, int qos);
Bytes encode_pingreq();
Bytes encode_disconnect();

// ---- decoding (broker to client) ----

// The remaining length, read one byte at a time as it arrives.
class RemainingLengthDecoder {
 public:
  enum class Step { need_more, done, malformed };
  Step feed(std::uint8_t byte) noexcept;
  [[nodiscard]] std::uint32_t value() const noexcept { return value_; }

 private:
  std::uint32_t value_ = 0;
  std::uint32_t multiplier_ = 1;
  int bytes_ = 0;
};

struct Packet {
  std::uint8_t type = 0;   // high nibble of the first byte
  std::uint8_t flags = 0;  // low nibble
  Bytes body;
};

// Splits one whole packet off the front of `bytes` (used by tests and fuzzing; the client
// reads the same way from its stream). Fails on malformed headers or when the packet would
// exceed `max_packet_bytes`; `consumed` is 0 when more bytes are needed.
Result<Packet> split_packet(const std::uint8_t* bytes, std::size_t size,
                            std::size_t max_packet_bytes, std::size_t& consumed);

struct Connack {
  bool session_present = false;
  std::uint8_t return_code = 0;  // 0 accepted, 1..5 refused
};

struct Suback {
  std::uint16_t packet_id = 0;
  std::vector<std::uint8_t> return_codes;  // granted QoS 0..2, or 0x80 failure
};

struct Publish {
  std::string topic;
  std::string payload;
  int qos = 0;
  bool retain = false;
  bool duplicate = false;
  std::uint16_t packet_id = 0;
};

Result<Connack> decode_connack(const Packet& packet);
Result<std::uint16_t> decode_puback(const Packet& packet);
Result<Suback> decode_suback(const Packet& packet);
Result<Publish> decode_publish(const Packet& packet);
Status decode_pingresp(const Packet& packet);

// "not authorized" for CONNACK return code 5, and so on.
[[nodiscard]] std::string_view connack_reason(std::uint8_t return_code) noexcept;

}  // namespace certacl::fw::mqtt
