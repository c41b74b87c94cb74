// Random bytes from "the broker": the decoders and the client must never crash, never read
// out of bounds (run under CERTACL_SANITIZE), and keep their invariants. A fixed seed keeps
// the run reproducible; the counts keep it well under a second.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "certacl_fw/mqtt_client.h"
#include "certacl_fw/mqtt_packet.h"

namespace certacl::fw {
namespace {

using mqtt::Bytes;

Bytes random_bytes(std::mt19937& generator, std::size_t max_size) {
  std::uniform_int_distribution<std::size_t> size(0, max_size);
  std::uniform_int_distribution<int> byte(0, 255);
  Bytes bytes(size(generator));
  for (auto& b : bytes) b = static_cast<std::uint8_t>(byte(generator));
  return bytes;
}

// A packet with a correct frame around a random body, biased towards small values so that
// length and id fields are often plausible and the decoders' accepting paths are reached.
Bytes framed_packet(std::mt19937& generator) {
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> small(0, 3);
  std::uniform_int_distribution<std::size_t> size(0, 12);
  Bytes body(size(generator));
  for (auto& b : body) {
    b = static_cast<std::uint8_t>(small(generator) == 0 ? byte(generator) : small(generator));
  }
  // Sized first and filled in place: GCC 12 warns falsely about insert() after an
  // initializer list (-Warray-bounds).
  Bytes packet(body.size() + 2);
  packet[0] = static_cast<std::uint8_t>(byte(generator) & 0xF3);  // QoS 0/1 mostly
  packet[1] = static_cast<std::uint8_t>(body.size());
  std::copy(body.begin(), body.end(), packet.begin() + 2);
  return packet;
}

Bytes hostile_input(std::mt19937& generator, std::size_t max_size) {
  return generator() % 2 == 0 ? random_bytes(generator, max_size) : framed_packet(generator);
}

class ReplayStream final : public ByteStream {
 public:
  explicit ReplayStream(Bytes bytes) : bytes_(std::move(bytes)) {}
  IoResult write_all(const std::uint8_t*, std::size_t, std::chrono::milliseconds) override {
    return {};
  }
  IoResult read_exact(std::uint8_t* data, std::size_t size, std::chrono::milliseconds) override {
    if (bytes_.size() - offset_ < size) return {IoOutcome::closed, "end of script"};
    std::copy_n(bytes_.begin() + static_cast<long>(offset_), size, data);
    offset_ += size;
    return {};
  }

 private:
  Bytes bytes_;
  std::size_t offset_ = 0;
};

TEST(FirmwareMqttHostileInput, DecodersSurviveRandomPackets) {
  std::mt19937 generator(20261123);
  int decoded = 0;
  for (int round = 0; round < 20'000; ++round) {
    const Bytes bytes = hostile_input(generator, 64);
    std::size_t consumed = 0;
    auto packet = mqtt::split_packet(bytes.data(), bytes.size(), 48, consumed);
    ASSERT_LE(consumed, bytes.size());
    if (!packet.ok() || consumed == 0) continue;
    ASSERT_LE(packet.value().body.size(), 48u);
    ASSERT_GE(consumed, packet.value().body.size() + 2);  // fixed header + body
    // Every decoder on every packet, whatever its type: each must answer, not crash.
    decoded += mqtt::decode_connack(packet.value()).ok();
    decoded += mqtt::decode_puback(packet.value()).ok();
    decoded += mqtt::decode_suback(packet.value()).ok();
    decoded += mqtt::decode_pingresp(packet.value()).ok();
    auto publish = mqtt::decode_publish(packet.value());
    if (publish.ok()) {
      ++decoded;
      ASSERT_LE(publish.value().topic.size() + publish.value().payload.size(),
                packet.value().body.size());
      ASSERT_EQ(publish.value().topic.find_first_of("+#"), std::string::npos);
    }
  }
  EXPECT_GT(decoded, 0);  // the generator does reach the accepting paths
}

TEST(FirmwareMqttHostileInput, ClientSurvivesRandomStreams) {
  std::mt19937 generator(7);
  MqttSettings settings;
  settings.response_timeout = std::chrono::milliseconds(50);  // the replay never waits
  settings.max_packet_bytes = 256;
  settings.max_queued_messages = 4;
  for (int round = 0; round < 2'000; ++round) {
    // A valid CONNACK first, so the random part reaches the connected paths.
    Bytes script;
    for (const int b : {0x20, 0x02, 0x00, 0x00}) script.push_back(static_cast<std::uint8_t>(b));
    for (int packets = 0; packets < 6; ++packets) {
      for (const std::uint8_t b : hostile_input(generator, 40)) script.push_back(b);
    }
    ReplayStream stream(script);
    MqttClient client(stream, settings);
    ASSERT_TRUE(client.connect("dev").ok());
    for (int step = 0; step < 8 && !client.broken(); ++step) {
      switch (step % 4) {
        case 0:
          (void)client.publish("t/1", "x", 1);
          break;
        case 1:
          (void)client.subscribe("cmd/dev", 1);
          break;
        case 2:
          (void)client.ping();
          break;
        default:
          (void)client.receive(std::chrono::milliseconds(0));
      }
    }
  }
}

}  // namespace
}  // namespace certacl::fw
