#include "certacl_fw/mqtt_client.h"

#include <algorithm>
#include <string>
#include <utility>

namespace certacl::fw {
namespace {

using Clock = std::chrono::steady_clock;
using mqtt::PacketType;

// Packets read while one acknowledgement is awaited; a broker flooding the device past
// this ends the session rather than holding it forever.
constexpr int kMaxPacketsPerWait = 256;

std::chrono::milliseconds left_until(Clock::time_point deadline) {
  return std::max(std::chrono::milliseconds(0),
                  std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
}

bool is(const mqtt::Packet& packet, PacketType type) {
  return packet.type == static_cast<std::uint8_t>(type);
}

}  // namespace

Status MqttClient::fail(std::string message) {
  broken_ = true;
  connected_ = false;
  return Status::failure(std::move(message));
}

std::uint16_t MqttClient::next_packet_id() noexcept {
  last_packet_id_ = static_cast<std::uint16_t>(last_packet_id_ + 1);
  if (last_packet_id_ == 0) last_packet_id_ = 1;  // 0 is not a valid packet id
  return last_packet_id_;
}

Status MqttClient::send(const mqtt::Bytes& bytes) {
  if (broken_) return Status::failure("the MQTT session is broken; reconnect");
  const auto written = stream_.write_all(bytes.data(), bytes.size(), settings_.response_timeout);
  if (!written.ok()) return fail("cannot send to the broker: " + written.detail);
  return Status::success();
}

Result<std::optional<mqtt::Packet>> MqttClient::read_packet(std::chrono::milliseconds timeout) {
  if (broken_) return Status::failure("the MQTT session is broken; reconnect");
  std::uint8_t first = 0;
  const auto started = stream_.read_exact(&first, 1, timeout);
  if (started.outcome == IoOutcome::timed_out) return std::optional<mqtt::Packet>{};
  if (!started.ok()) return fail("cannot read from the broker: " + started.detail);

  // Once a packet has begun, the rest must follow promptly or the framing is lost.
  const auto deadline = Clock::now() + settings_.response_timeout;
  mqtt::RemainingLengthDecoder length;
  for (;;) {
    std::uint8_t byte = 0;
    const auto got = stream_.read_exact(&byte, 1, left_until(deadline));
    if (!got.ok()) return fail("cannot read an MQTT packet header: " + got.detail);
    const auto step = length.feed(byte);
    if (step == mqtt::RemainingLengthDecoder::Step::malformed) {
      return fail("the broker sent a malformed MQTT remaining length");
    }
    if (step == mqtt::RemainingLengthDecoder::Step::done) break;
  }
  if (length.value() > settings_.max_packet_bytes) {
    return fail("the broker sent an MQTT packet of " + std::to_string(length.value()) +
                " bytes, over the limit of " + std::to_string(settings_.max_packet_bytes));
  }
  mqtt::Packet packet;
  packet.type = static_cast<std::uint8_t>(first >> 4);
  packet.flags = static_cast<std::uint8_t>(first & 0x0F);
  packet.body.resize(length.value());
  if (!packet.body.empty()) {
    const auto got =
        stream_.read_exact(packet.body.data(), packet.body.size(), left_until(deadline));
    if (!got.ok()) return fail("cannot read an MQTT packet body: " + got.detail);
  }
  return std::optional<mqtt::Packet>(std::move(packet));
}

Status MqttClient::take_publish(const mqtt::Packet& packet) {
  auto publish = mqtt::decode_publish(packet);
  if (!publish) return fail("the broker sent a bad PUBLISH: " + publish.error());
  if (publish.value().qos == 2)
    return fail("the broker sent QoS 2, which the device never asks for");
  if (inbox_.size() >= settings_.max_queued_messages) {
    return fail("the broker sent more than " + std::to_string(settings_.max_queued_messages) +
                " messages without the device reading them");
  }
  if (publish.value().qos == 1) {
    if (auto acked = send(mqtt::encode_puback(publish.value().packet_id)); !acked) return acked;
  }
  inbox_.push_back(std::move(publish.value()));
  return Status::success();
}

Result<mqtt::Packet> MqttClient::await(PacketType type, std::string_view what) {
  const auto deadline = Clock::now() + settings_.response_timeout;
  for (int count = 0; count < kMaxPacketsPerWait; ++count) {
    const auto left = left_until(deadline);
    if (left.count() == 0) break;
    auto packet = read_packet(left);
    if (!packet) return packet.status();
    if (!packet.value()) break;
    if (is(*packet.value(), type)) return std::move(*packet.value());
    if (connected_ && is(*packet.value(), PacketType::publish)) {
      if (auto taken = take_publish(*packet.value()); !taken) return taken;
      continue;
    }
    return fail("the broker sent packet type " + std::to_string(packet.value()->type) +
                " while the device awaited " + std::string(what));
  }
  return fail("no " + std::string(what) + " from the broker within " +
              std::to_string(settings_.response_timeout.count()) + " ms");
}

Result<mqtt::Connack> MqttClient::connect(std::string_view client_id) {
  mqtt::ConnectRequest request;
  request.client_id = std::string(client_id);
  request.keep_alive_seconds = settings_.keep_alive_seconds;
  auto bytes = mqtt::encode_connect(request);
  if (!bytes) return bytes.status();
  if (auto sent = send(bytes.value()); !sent) return sent;
  auto packet = await(PacketType::connack, "CONNACK");
  if (!packet) return packet.status();
  auto connack = mqtt::decode_connack(packet.value());
  if (!connack) return fail("the broker sent a bad CONNACK: " + connack.error());
  connected_ = connack.value().return_code == 0;
  // A refused connection is closed by the broker; nothing more can be sent on it.
  if (!connected_) broken_ = true;
  return connack;
}

Status MqttClient::publish(std::string_view topic, std::string_view payload, int qos, bool retain) {
  if (!connected_) return Status::failure("not connected to the broker");
  const std::uint16_t id = qos > 0 ? next_packet_id() : 0;
  auto bytes = mqtt::encode_publish(topic, payload, qos, id, retain);
  if (!bytes) return bytes.status();
  if (auto sent = send(bytes.value()); !sent) return sent;
  if (qos == 0) return Status::success();
  auto packet = await(PacketType::puback, "PUBACK");
  if (!packet) return packet.status();
  auto acked = mqtt::decode_puback(packet.value());
  if (!acked) return fail("the broker sent a bad PUBACK: " + acked.error());
  if (acked.value() != id) {
    return fail("PUBACK for packet " + std::to_string(acked.value()) + ", expected " +
                std::to_string(id));
  }
  return Status::success();
}

Result<int> MqttClient::subscribe(std::string_view filter, int qos) {
  if (!connected_) return Status::failure("not connected to the broker");
  const std::uint16_t id = next_packet_id();
  auto bytes = mqtt::encode_subscribe(id, filter, qos);
  if (!bytes) return bytes.status();
  if (auto sent = send(bytes.value()); !sent) return sent;
  auto packet = await(PacketType::suback, "SUBACK");
  if (!packet) return packet.status();
  auto suback = mqtt::decode_suback(packet.value());
  if (!suback) return fail("the broker sent a bad SUBACK: " + suback.error());
  if (suback.value().packet_id != id || suback.value().return_codes.size() != 1) {
    return fail("SUBACK does not answer the SUBSCRIBE just sent");
  }
  const std::uint8_t granted = suback.value().return_codes.front();
  if (granted == 0x80) {
    return Status::failure("the broker refused the subscription to '" + std::string(filter) + "'");
  }
  if (granted > qos) return fail("the broker granted a higher QoS than asked");
  return static_cast<int>(granted);
}

Status MqttClient::ping() {
  if (!connected_) return Status::failure("not connected to the broker");
  if (auto sent = send(mqtt::encode_pingreq()); !sent) return sent;
  auto packet = await(PacketType::pingresp, "PINGRESP");
  if (!packet) return packet.status();
  if (auto pong = mqtt::decode_pingresp(packet.value()); !pong) {
    return fail("the broker sent a bad PINGRESP: " + pong.error());
  }
  return Status::success();
}

Status MqttClient::disconnect() {
  if (!connected_) return Status::success();
  auto sent = send(mqtt::encode_disconnect());
  connected_ = false;
  return sent;
}

Result<std::optional<mqtt::Publish>> MqttClient::receive(std::chrono::milliseconds timeout) {
  if (!inbox_.empty()) {
    auto message = std::move(inbox_.front());
    inbox_.pop_front();
    return std::optional<mqtt::Publish>(std::move(message));
  }
  if (!connected_) return Status::failure("not connected to the broker");
  auto packet = read_packet(timeout);
  if (!packet) return packet.status();
  if (!packet.value()) return std::optional<mqtt::Publish>{};
  if (!is(*packet.value(), PacketType::publish)) {
    return fail("the broker sent unexpected packet type " + std::to_string(packet.value()->type));
  }
  if (auto taken = take_publish(*packet.value()); !taken) return taken;
  auto message = std::move(inbox_.front());
  inbox_.pop_front();
  return std::optional<mqtt::Publish>(std::move(message));
}

}  // namespace certacl::fw
