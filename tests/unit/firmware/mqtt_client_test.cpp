#include "certacl_fw/mqtt_client.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace certacl::fw {
namespace {

using mqtt::Bytes;

// The broker's side, scripted: bytes the client will read, bytes it wrote. When the script
// runs out, reads time out (without waiting: the fake has no clock).
class ScriptedStream final : public ByteStream {
 public:
  IoResult write_all(const std::uint8_t* data, std::size_t size,
                     std::chrono::milliseconds /*timeout*/) override {
    if (fail_writes) return {IoOutcome::failed, "connection reset"};
    written.insert(written.end(), data, data + size);
    return {};
  }
  IoResult read_exact(std::uint8_t* data, std::size_t size,
                      std::chrono::milliseconds /*timeout*/) override {
    if (incoming.size() - offset < size) {
      if (closed_at_end) return {IoOutcome::closed, "the broker closed the connection"};
      return {IoOutcome::timed_out, "TLS read timed out"};
    }
    std::copy_n(incoming.begin() + static_cast<long>(offset), size, data);
    offset += size;
    return {};
  }
  void respond(const Bytes& bytes) { incoming.insert(incoming.end(), bytes.begin(), bytes.end()); }

  Bytes incoming;
  std::size_t offset = 0;
  Bytes written;
  bool fail_writes = false;
  bool closed_at_end = false;
};

const Bytes kConnackAccepted = {0x20, 0x02, 0x00, 0x00};

MqttSettings fast_settings() {
  MqttSettings settings;
  settings.response_timeout = std::chrono::milliseconds(50);
  return settings;
}

class FirmwareMqttClient : public ::testing::Test {
 protected:
  void connect_ok() {
    stream.respond(kConnackAccepted);
    auto connack = client.connect("dev1");
    ASSERT_TRUE(connack.ok()) << connack.error();
    ASSERT_EQ(connack.value().return_code, 0);
    stream.written.clear();
  }

  MqttSettings settings = fast_settings();
  ScriptedStream stream;
  MqttClient client{stream, settings};
};

TEST_F(FirmwareMqttClient, ConnectSendsConnectAndReadsConnack) {
  stream.respond(kConnackAccepted);
  auto connack = client.connect("dev1");
  ASSERT_TRUE(connack.ok()) << connack.error();
  EXPECT_EQ(connack.value().return_code, 0);
  EXPECT_EQ(stream.written, mqtt::encode_connect({"dev1", 60, true}).value());
  EXPECT_FALSE(client.broken());
}

TEST_F(FirmwareMqttClient, RefusedConnectIsReportedAndEndsTheSession) {
  stream.respond({0x20, 0x02, 0x00, 0x05});
  auto connack = client.connect("dev1");
  ASSERT_TRUE(connack.ok());
  EXPECT_EQ(connack.value().return_code, 5);
  EXPECT_TRUE(client.broken());
  EXPECT_FALSE(client.publish("t", "x", 0).ok());
}

TEST_F(FirmwareMqttClient, NoConnackIsAFailure) {
  auto connack = client.connect("dev1");
  ASSERT_FALSE(connack.ok());
  EXPECT_EQ(connack.error(), "no CONNACK from the broker within 50 ms");
}

TEST_F(FirmwareMqttClient, AnythingButConnackFirstIsAFailure) {
  stream.respond({0x30, 0x03, 0x00, 0x01, 't'});
  auto connack = client.connect("dev1");
  ASSERT_FALSE(connack.ok());
  EXPECT_EQ(connack.error(), "the broker sent packet type 3 while the device awaited CONNACK");
  EXPECT_TRUE(client.broken());
}

TEST_F(FirmwareMqttClient, PublishQos0SendsAndReturns) {
  connect_ok();
  ASSERT_TRUE(client.publish("t/1", "hello", 0).ok());
  EXPECT_EQ(stream.written, mqtt::encode_publish("t/1", "hello", 0, 0, false).value());
}

TEST_F(FirmwareMqttClient, PublishQos1WaitsForItsPuback) {
  connect_ok();
  stream.respond({0x40, 0x02, 0x00, 0x01});
  const auto published = client.publish("t/1", "hello", 1);
  ASSERT_TRUE(published.ok()) << published.error();
  EXPECT_EQ(stream.written, mqtt::encode_publish("t/1", "hello", 1, 1, false).value());
}

TEST_F(FirmwareMqttClient, PublishQos1WithoutPubackFails) {
  connect_ok();
  const auto published = client.publish("t/1", "hello", 1);
  ASSERT_FALSE(published.ok());
  EXPECT_EQ(published.error(), "no PUBACK from the broker within 50 ms");
}

TEST_F(FirmwareMqttClient, PubackForAnotherPacketBreaksTheSession) {
  connect_ok();
  stream.respond({0x40, 0x02, 0x00, 0x09});
  const auto published = client.publish("t/1", "hello", 1);
  ASSERT_FALSE(published.ok());
  EXPECT_EQ(published.error(), "PUBACK for packet 9, expected 1");
  EXPECT_TRUE(client.broken());
}

TEST_F(FirmwareMqttClient, MessagesArrivingBeforeTheAckAreKeptAndAcknowledged) {
  connect_ok();
  stream.respond({0x32, 0x06, 0x00, 0x01, 'c', 0x00, 0x2A, 'm'});  // QoS 1, id 42
  stream.respond({0x40, 0x02, 0x00, 0x01});
  ASSERT_TRUE(client.publish("t/1", "x", 1).ok());
  // The client acknowledged message 42 after sending its own PUBLISH.
  const Bytes puback = mqtt::encode_puback(42);
  ASSERT_GE(stream.written.size(), puback.size());
  EXPECT_TRUE(std::equal(puback.begin(), puback.end(), stream.written.end() - 4));

  auto message = client.receive(std::chrono::milliseconds(0));
  ASSERT_TRUE(message.ok());
  ASSERT_TRUE(message.value().has_value());
  EXPECT_EQ(message.value()->topic, "c");
  EXPECT_EQ(message.value()->payload, "m");
}

TEST_F(FirmwareMqttClient, SubscribeReturnsGrantedQosOrRefusal) {
  connect_ok();
  stream.respond({0x90, 0x03, 0x00, 0x01, 0x01});
  auto granted = client.subscribe("cmd/#", 1);
  ASSERT_TRUE(granted.ok()) << granted.error();
  EXPECT_EQ(granted.value(), 1);
  stream.respond({0x90, 0x03, 0x00, 0x02, 0x80});
  auto refused = client.subscribe("secret/#", 1);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error(), "the broker refused the subscription to 'secret/#'");
  EXPECT_FALSE(client.broken());
}

TEST_F(FirmwareMqttClient, PingAndDisconnect) {
  connect_ok();
  stream.respond({0xD0, 0x00});
  ASSERT_TRUE(client.ping().ok());
  EXPECT_EQ(stream.written, mqtt::encode_pingreq());
  stream.written.clear();
  ASSERT_TRUE(client.disconnect().ok());
  EXPECT_EQ(stream.written, mqtt::encode_disconnect());
}

TEST_F(FirmwareMqttClient, ReceiveTimesOutQuietly) {
  connect_ok();
  auto message = client.receive(std::chrono::milliseconds(0));
  ASSERT_TRUE(message.ok());
  EXPECT_FALSE(message.value().has_value());
  EXPECT_FALSE(client.broken());
}

TEST_F(FirmwareMqttClient, OversizedPacketBreaksTheSessionBeforeAllocation) {
  connect_ok();
  stream.respond({0x30, 0xFF, 0xFF, 0xFF, 0x7F});  // announces 256 MiB
  auto message = client.receive(std::chrono::milliseconds(0));
  ASSERT_FALSE(message.ok());
  EXPECT_EQ(message.error(),
            "the broker sent an MQTT packet of 268435455 bytes, over the limit of 4096");
  EXPECT_TRUE(client.broken());
}

TEST_F(FirmwareMqttClient, TruncatedPacketBreaksTheSession) {
  connect_ok();
  stream.respond({0x30, 0x05, 0x00, 0x01});  // 2 of 5 body bytes, then silence
  auto message = client.receive(std::chrono::milliseconds(0));
  ASSERT_FALSE(message.ok());
  EXPECT_TRUE(client.broken());
}

TEST_F(FirmwareMqttClient, BrokerClosingIsReported) {
  connect_ok();
  stream.closed_at_end = true;
  auto message = client.receive(std::chrono::milliseconds(0));
  ASSERT_FALSE(message.ok());
  EXPECT_EQ(message.error(), "cannot read from the broker: the broker closed the connection");
}

TEST_F(FirmwareMqttClient, MalformedPublishBreaksTheSession) {
  connect_ok();
  stream.respond({0x36, 0x03, 0x00, 0x01, 't'});  // QoS 3
  auto message = client.receive(std::chrono::milliseconds(0));
  ASSERT_FALSE(message.ok());
  EXPECT_EQ(message.error(), "the broker sent a bad PUBLISH: PUBLISH has QoS 3");
}

TEST_F(FirmwareMqttClient, InboxIsBounded) {
  settings.max_queued_messages = 2;
  MqttClient small{stream, settings};
  stream.respond(kConnackAccepted);
  ASSERT_TRUE(small.connect("dev1").ok());
  for (int i = 0; i < 3; ++i) stream.respond({0x30, 0x03, 0x00, 0x01, 't'});
  stream.respond({0x40, 0x02, 0x00, 0x01});
  const auto published = small.publish("t", "x", 1);
  ASSERT_FALSE(published.ok());
  EXPECT_EQ(published.error(),
            "the broker sent more than 2 messages without the device reading them");
}

TEST_F(FirmwareMqttClient, WriteFailureBreaksTheSession) {
  connect_ok();
  stream.fail_writes = true;
  const auto published = client.publish("t", "x", 0);
  ASSERT_FALSE(published.ok());
  EXPECT_EQ(published.error(), "cannot send to the broker: connection reset");
  EXPECT_TRUE(client.broken());
}

}  // namespace
}  // namespace certacl::fw
