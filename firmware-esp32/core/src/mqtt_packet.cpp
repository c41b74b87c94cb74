#include "certacl_fw/mqtt_packet.h"

#include <string>

namespace certacl::fw::mqtt {
namespace {

// ---- writing ----

void put_u16(Bytes& out, std::uint16_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value & 0xFF));
}

void put_string(Bytes& out, std::string_view text) {
  put_u16(out, static_cast<std::uint16_t>(text.size()));
  out.insert(out.end(), text.begin(), text.end());
}

Result<Bytes> frame(std::uint8_t first_byte, const Bytes& body) {
  if (body.size() > kMaxRemainingLength) return Status::failure("MQTT packet is too large");
  Bytes out;
  out.reserve(body.size() + 5);
  out.push_back(first_byte);
  auto length = static_cast<std::uint32_t>(body.size());
  do {
    auto digit = static_cast<std::uint8_t>(length % 128);
    length /= 128;
    if (length > 0) digit = static_cast<std::uint8_t>(digit | 0x80);
    out.push_back(digit);
  } while (length > 0);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

constexpr std::uint8_t first_byte(PacketType type, std::uint8_t flags = 0) {
  return static_cast<std::uint8_t>((static_cast<std::uint8_t>(type) << 4) | flags);
}

bool has_wildcard(std::string_view topic) {
  return topic.find_first_of("+#") != std::string_view::npos;
}

// ---- reading ----

// A bounds-checked cursor over a packet body.
class BodyReader {
 public:
  explicit BodyReader(const Bytes& body) : body_(body) {}
  bool u8(std::uint8_t& value) {
    if (remaining() < 1) return false;
    value = body_[offset_++];
    return true;
  }
  bool u16(std::uint16_t& value) {
    if (remaining() < 2) return false;
    value = static_cast<std::uint16_t>((body_[offset_] << 8) | body_[offset_ + 1]);
    offset_ += 2;
    return true;
  }
  bool string(std::string& value) {
    std::uint16_t length = 0;
    if (!u16(length) || remaining() < length) return false;
    value.assign(reinterpret_cast<const char*>(body_.data() + offset_), length);
    offset_ += length;
    return true;
  }
  std::string rest() {
    std::string value(reinterpret_cast<const char*>(body_.data() + offset_), remaining());
    offset_ = body_.size();
    return value;
  }
  [[nodiscard]] std::size_t remaining() const { return body_.size() - offset_; }

 private:
  const Bytes& body_;
  std::size_t offset_ = 0;
};

Status expect_shape(const Packet& packet, PacketType type, std::size_t body_size,
                    std::string_view name) {
  if (packet.type != static_cast<std::uint8_t>(type)) {
    return Status::failure("expected " + std::string(name) + ", got packet type " +
                           std::to_string(packet.type));
  }
  if (packet.flags != 0) return Status::failure(std::string(name) + " has reserved flags set");
  if (packet.body.size() != body_size) {
    return Status::failure(std::string(name) + " has length " + std::to_string(packet.body.size()) +
                           ", expected " + std::to_string(body_size));
  }
  return Status::success();
}

}  // namespace

Result<Bytes> encode_connect(const ConnectRequest& request) {
  if (request.client_id.size() > kMaxStringBytes) return Status::failure("client id is too long");
  Bytes body;
  put_string(body, "MQTT");
  body.push_back(4);  // protocol level 3.1.1
  body.push_back(request.clean_session ? 0x02 : 0x00);
  put_u16(body, request.keep_alive_seconds);
  put_string(body, request.client_id);
  return frame(first_byte(PacketType::connect), body);
}

Result<Bytes> encode_publish(std::string_view topic, std::string_view payload, int qos,
                             std::uint16_t packet_id, bool retain) {
  if (topic.empty() || topic.size() > kMaxStringBytes) {
    return Status::failure("publish topic must be 1..65535 bytes");
  }
  if (has_wildcard(topic) || topic.find('\0') != std::string_view::npos) {
    return Status::failure("publish topic '" + std::string(topic) + "' contains a wildcard or NUL");
  }
  if (qos != 0 && qos != 1) return Status::failure("the device publishes with QoS 0 or 1 only");
  if (qos == 1 && packet_id == 0) return Status::failure("QoS 1 publish needs a packet id");
  Bytes body;
  put_string(body, topic);
  if (qos == 1) put_u16(body, packet_id);
  body.insert(body.end(), payload.begin(), payload.end());
  const auto flags = static_cast<std::uint8_t>((qos << 1) | (retain ? 1 : 0));
  return frame(first_byte(PacketType::publish, flags), body);
}

Bytes encode_puback(std::uint16_t packet_id) {
  Bytes body;
  put_u16(body, packet_id);
  return frame(first_byte(PacketType::puback), body).value();
}

Result<Bytes> encode_subscribe(std::uint16_t packet_id, std::string_view filter, int qos) {
  if (filter.empty() || filter.size() > kMaxStringBytes) {
    return Status::failure("subscription filter must be 1..65535 bytes");
  }
  if (qos < 0 || qos > 1) return Status::failure("the device subscribes with QoS 0 or 1 only");
  if (packet_id == 0) return Status::failure("SUBSCRIBE needs a packet id");
  Bytes body;
  put_u16(body, packet_id);
  put_string(body, filter);
  body.push_back(static_cast<std::uint8_t>(qos));
  return frame(first_byte(PacketType::subscribe, 0x02), body);  // flags 0010 are mandatory
}

Bytes encode_pingreq() {
  return frame(first_byte(PacketType::pingreq), {}).value();
}
Bytes encode_disconnect() {
  return frame(first_byte(PacketType::disconnect), {}).value();
}

RemainingLengthDecoder::Step RemainingLengthDecoder::feed(std::uint8_t byte) noexcept {
  if (bytes_ >= 4) return Step::malformed;
  value_ += static_cast<std::uint32_t>(byte & 0x7F) * multiplier_;
  multiplier_ *= 128;
  ++bytes_;
  if ((byte & 0x80) == 0) {
    // A non-minimal encoding such as 0x80 0x00 is allowed by no rule we need; refuse it.
    if (bytes_ > 1 && byte == 0) return Step::malformed;
    return Step::done;
  }
  return bytes_ == 4 ? Step::malformed : Step::need_more;
}

Result<Packet> split_packet(const std::uint8_t* bytes, std::size_t size,
                            std::size_t max_packet_bytes, std::size_t& consumed) {
  consumed = 0;
  if (size < 2) return Packet{};
  RemainingLengthDecoder length;
  std::size_t offset = 1;
  for (;;) {
    if (offset >= size) return Packet{};
    const auto step = length.feed(bytes[offset++]);
    if (step == RemainingLengthDecoder::Step::malformed) {
      return Status::failure("malformed MQTT remaining length");
    }
    if (step == RemainingLengthDecoder::Step::done) break;
  }
  if (length.value() > max_packet_bytes) {
    return Status::failure("MQTT packet of " + std::to_string(length.value()) +
                           " bytes exceeds the limit of " + std::to_string(max_packet_bytes));
  }
  if (size - offset < length.value()) return Packet{};
  Packet packet;
  packet.type = static_cast<std::uint8_t>(bytes[0] >> 4);
  packet.flags = static_cast<std::uint8_t>(bytes[0] & 0x0F);
  packet.body.assign(bytes + offset, bytes + offset + length.value());
  consumed = offset + length.value();
  return packet;
}

Result<Connack> decode_connack(const Packet& packet) {
  if (auto shape = expect_shape(packet, PacketType::connack, 2, "CONNACK"); !shape) return shape;
  const std::uint8_t acknowledge_flags = packet.body[0];
  if ((acknowledge_flags & 0xFE) != 0) return Status::failure("CONNACK has reserved bits set");
  const std::uint8_t code = packet.body[1];
  if (code > 5)
    return Status::failure("CONNACK return code " + std::to_string(code) + " is unknown");
  if (code != 0 && acknowledge_flags != 0) {
    return Status::failure("CONNACK refuses the connection yet claims a session");
  }
  return Connack{acknowledge_flags == 1, code};
}

Result<std::uint16_t> decode_puback(const Packet& packet) {
  if (auto shape = expect_shape(packet, PacketType::puback, 2, "PUBACK"); !shape) return shape;
  const auto id = static_cast<std::uint16_t>((packet.body[0] << 8) | packet.body[1]);
  if (id == 0) return Status::failure("PUBACK carries packet id 0");
  return id;
}

Result<Suback> decode_suback(const Packet& packet) {
  if (packet.type != static_cast<std::uint8_t>(PacketType::suback)) {
    return Status::failure("expected SUBACK, got packet type " + std::to_string(packet.type));
  }
  if (packet.flags != 0) return Status::failure("SUBACK has reserved flags set");
  BodyReader reader(packet.body);
  Suback suback;
  if (!reader.u16(suback.packet_id) || suback.packet_id == 0) {
    return Status::failure("SUBACK has no valid packet id");
  }
  if (reader.remaining() == 0) return Status::failure("SUBACK has no return codes");
  std::uint8_t code = 0;
  while (reader.u8(code)) {
    if (code > 2 && code != 0x80) {
      return Status::failure("SUBACK return code " + std::to_string(code) + " is invalid");
    }
    suback.return_codes.push_back(code);
  }
  return suback;
}

Result<Publish> decode_publish(const Packet& packet) {
  if (packet.type != static_cast<std::uint8_t>(PacketType::publish)) {
    return Status::failure("expected PUBLISH, got packet type " + std::to_string(packet.type));
  }
  Publish publish;
  publish.retain = (packet.flags & 0x01) != 0;
  publish.qos = (packet.flags >> 1) & 0x03;
  publish.duplicate = (packet.flags & 0x08) != 0;
  if (publish.qos == 3) return Status::failure("PUBLISH has QoS 3");
  if (publish.qos == 0 && publish.duplicate) return Status::failure("QoS 0 PUBLISH has DUP set");
  BodyReader reader(packet.body);
  if (!reader.string(publish.topic)) return Status::failure("PUBLISH topic is truncated");
  if (publish.topic.empty() || has_wildcard(publish.topic) ||
      publish.topic.find('\0') != std::string::npos) {
    return Status::failure("PUBLISH topic is empty or contains a wildcard or NUL");
  }
  if (publish.qos > 0) {
    if (!reader.u16(publish.packet_id) || publish.packet_id == 0) {
      return Status::failure("PUBLISH has no valid packet id");
    }
  }
  publish.payload = reader.rest();
  return publish;
}

Status decode_pingresp(const Packet& packet) {
  return expect_shape(packet, PacketType::pingresp, 0, "PINGRESP");
}

std::string_view connack_reason(std::uint8_t return_code) noexcept {
  switch (return_code) {
    case 0:
      return "accepted";
    case 1:
      return "unacceptable protocol version";
    case 2:
      return "client identifier rejected";
    case 3:
      return "server unavailable";
    case 4:
      return "bad user name or password";
    case 5:
      return "not authorized";
    default:
      return "unknown return code";
  }
}

}  // namespace certacl::fw::mqtt
