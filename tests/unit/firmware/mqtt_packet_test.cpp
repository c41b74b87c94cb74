#include "certacl_fw/mqtt_packet.h"

#include <gtest/gtest.h>

#include <string>

namespace certacl::fw::mqtt {
namespace {

Packet packet(PacketType type, Bytes body, std::uint8_t flags = 0) {
  return Packet{static_cast<std::uint8_t>(type), flags, std::move(body)};
}

TEST(FirmwareMqttEncode, ConnectIsExactly311) {
  const auto bytes = encode_connect({"dev1", 30, true});
  ASSERT_TRUE(bytes.ok());
  const Bytes expected = {0x10, 16,   0x00, 0x04, 'M',  'Q', 'T', 'T', 0x04,
                          0x02, 0x00, 30,   0x00, 0x04, 'd', 'e', 'v', '1'};
  EXPECT_EQ(bytes.value(), expected);
}

TEST(FirmwareMqttEncode, PublishQos0AndQos1) {
  const Bytes qos0 = {0x30, 7, 0x00, 0x02, 'a', '/', 'h', 'i', '!'};
  EXPECT_EQ(encode_publish("a/", "hi!", 0, 0, false).value(), qos0);
  const Bytes qos1 = {0x33, 7, 0x00, 0x01, 't', 0x12, 0x34, 'o', 'k'};
  EXPECT_EQ(encode_publish("t", "ok", 1, 0x1234, true).value(), qos1);
}

TEST(FirmwareMqttEncode, LongPayloadUsesMultiByteLength) {
  const auto bytes = encode_publish("t", std::string(200, 'x'), 0, 0, false).value();
  // 2 + 1 topic bytes + 200 payload = 203 = 0xCB 0x01
  ASSERT_GT(bytes.size(), 3u);
  EXPECT_EQ(bytes[1], 0xCB);
  EXPECT_EQ(bytes[2], 0x01);
  EXPECT_EQ(bytes.size(), 3u + 203u);
}

TEST(FirmwareMqttEncode, RefusesBadPublishAndSubscribe) {
  EXPECT_FALSE(encode_publish("", "x", 0, 0, false).ok());
  EXPECT_FALSE(encode_publish("a/+", "x", 0, 0, false).ok());
  EXPECT_FALSE(encode_publish("a/#", "x", 0, 0, false).ok());
  EXPECT_FALSE(encode_publish(std::string("a\0b", 3), "x", 0, 0, false).ok());
  EXPECT_FALSE(encode_publish("t", "x", 2, 1, false).ok());
  EXPECT_FALSE(encode_publish("t", "x", 1, 0, false).ok());
  EXPECT_FALSE(encode_publish(std::string(70'000, 't'), "x", 0, 0, false).ok());
  EXPECT_FALSE(encode_subscribe(0, "t/#", 0).ok());
  EXPECT_FALSE(encode_subscribe(1, "", 0).ok());
  EXPECT_FALSE(encode_connect({std::string(70'000, 'c'), 30, true}).ok());
}

TEST(FirmwareMqttEncode, SubscribePingDisconnectPuback) {
  const Bytes subscribe = {0x82, 8, 0x00, 0x07, 0x00, 0x03, 'a', '/', '#', 0x01};
  EXPECT_EQ(encode_subscribe(7, "a/#", 1).value(), subscribe);
  EXPECT_EQ(encode_pingreq(), (Bytes{0xC0, 0x00}));
  EXPECT_EQ(encode_disconnect(), (Bytes{0xE0, 0x00}));
  EXPECT_EQ(encode_puback(0x0102), (Bytes{0x40, 0x02, 0x01, 0x02}));
}

TEST(FirmwareMqttDecode, RemainingLengthEdges) {
  RemainingLengthDecoder one;
  EXPECT_EQ(one.feed(0x7F), RemainingLengthDecoder::Step::done);
  EXPECT_EQ(one.value(), 127u);

  RemainingLengthDecoder max;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(max.feed(0xFF), RemainingLengthDecoder::Step::need_more);
  EXPECT_EQ(max.feed(0x7F), RemainingLengthDecoder::Step::done);
  EXPECT_EQ(max.value(), kMaxRemainingLength);

  RemainingLengthDecoder five;
  for (int i = 0; i < 3; ++i) five.feed(0xFF);
  EXPECT_EQ(five.feed(0xFF), RemainingLengthDecoder::Step::malformed);

  RemainingLengthDecoder padded;
  EXPECT_EQ(padded.feed(0x80), RemainingLengthDecoder::Step::need_more);
  EXPECT_EQ(padded.feed(0x00), RemainingLengthDecoder::Step::malformed);
}

TEST(FirmwareMqttDecode, SplitsWholePacketsOnly) {
  const Bytes stream = {0x20, 0x02, 0x00, 0x00, 0xD0, 0x00};
  std::size_t consumed = 99;
  auto first = split_packet(stream.data(), 3, 1024, consumed);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(consumed, 0u);  // needs more
  first = split_packet(stream.data(), stream.size(), 1024, consumed);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(consumed, 4u);
  EXPECT_EQ(first.value().type, 2);
  auto second = split_packet(stream.data() + 4, 2, 1024, consumed);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second.value().type, 13);
  EXPECT_TRUE(second.value().body.empty());
}

TEST(FirmwareMqttDecode, SplitRefusesOversizeAndMalformedLengths) {
  std::size_t consumed = 0;
  const Bytes big = {0x30, 0x80, 0x80, 0x01};  // 16384 bytes announced
  auto result = split_packet(big.data(), big.size(), 1024, consumed);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error(), "MQTT packet of 16384 bytes exceeds the limit of 1024");
  const Bytes five = {0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01};
  EXPECT_FALSE(split_packet(five.data(), five.size(), 1024, consumed).ok());
}

TEST(FirmwareMqttDecode, Connack) {
  auto accepted = decode_connack(packet(PacketType::connack, {0x00, 0x00}));
  ASSERT_TRUE(accepted.ok());
  EXPECT_EQ(accepted.value().return_code, 0);
  auto refused = decode_connack(packet(PacketType::connack, {0x00, 0x05}));
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused.value().return_code, 5);
  EXPECT_EQ(connack_reason(5), "not authorized");

  EXPECT_FALSE(decode_connack(packet(PacketType::connack, {0x00})).ok());
  EXPECT_FALSE(decode_connack(packet(PacketType::connack, {0x00, 0x00, 0x00})).ok());
  EXPECT_FALSE(decode_connack(packet(PacketType::connack, {0x02, 0x00})).ok());
  EXPECT_FALSE(decode_connack(packet(PacketType::connack, {0x00, 0x06})).ok());
  EXPECT_FALSE(decode_connack(packet(PacketType::connack, {0x01, 0x05})).ok());
  EXPECT_FALSE(decode_connack(packet(PacketType::connack, {0x00, 0x00}, 0x01)).ok());
  EXPECT_FALSE(decode_connack(packet(PacketType::suback, {0x00, 0x00})).ok());
}

TEST(FirmwareMqttDecode, PubackAndPingresp) {
  EXPECT_EQ(decode_puback(packet(PacketType::puback, {0x01, 0x02})).value(), 0x0102);
  EXPECT_FALSE(decode_puback(packet(PacketType::puback, {0x00, 0x00})).ok());
  EXPECT_FALSE(decode_puback(packet(PacketType::puback, {0x01})).ok());
  EXPECT_TRUE(decode_pingresp(packet(PacketType::pingresp, {})).ok());
  EXPECT_FALSE(decode_pingresp(packet(PacketType::pingresp, {0x00})).ok());
}

TEST(FirmwareMqttDecode, Suback) {
  auto suback = decode_suback(packet(PacketType::suback, {0x00, 0x07, 0x01, 0x80}));
  ASSERT_TRUE(suback.ok());
  EXPECT_EQ(suback.value().packet_id, 7);
  EXPECT_EQ(suback.value().return_codes, (std::vector<std::uint8_t>{0x01, 0x80}));
  EXPECT_FALSE(decode_suback(packet(PacketType::suback, {0x00, 0x07})).ok());
  EXPECT_FALSE(decode_suback(packet(PacketType::suback, {0x00, 0x00, 0x00})).ok());
  EXPECT_FALSE(decode_suback(packet(PacketType::suback, {0x00, 0x07, 0x03})).ok());
  EXPECT_FALSE(decode_suback(packet(PacketType::suback, {0x00})).ok());
}

TEST(FirmwareMqttDecode, Publish) {
  auto qos1 =
      decode_publish(packet(PacketType::publish, {0x00, 0x01, 't', 0x00, 0x09, 'h', 'i'}, 0x03));
  ASSERT_TRUE(qos1.ok()) << qos1.error();
  EXPECT_EQ(qos1.value().topic, "t");
  EXPECT_EQ(qos1.value().payload, "hi");
  EXPECT_EQ(qos1.value().qos, 1);
  EXPECT_TRUE(qos1.value().retain);
  EXPECT_EQ(qos1.value().packet_id, 9);

  auto empty_payload = decode_publish(packet(PacketType::publish, {0x00, 0x01, 't'}));
  ASSERT_TRUE(empty_payload.ok());
  EXPECT_EQ(empty_payload.value().payload, "");
}

TEST(FirmwareMqttDecode, PublishRefusesMalformedBodies) {
  // topic length runs past the body
  EXPECT_FALSE(decode_publish(packet(PacketType::publish, {0x00, 0x09, 't'})).ok());
  // body shorter than the length field
  EXPECT_FALSE(decode_publish(packet(PacketType::publish, {0x00})).ok());
  // QoS 3
  EXPECT_FALSE(decode_publish(packet(PacketType::publish, {0x00, 0x01, 't'}, 0x06)).ok());
  // QoS 1 without a packet id, and with id 0
  EXPECT_FALSE(decode_publish(packet(PacketType::publish, {0x00, 0x01, 't', 0x00}, 0x02)).ok());
  EXPECT_FALSE(
      decode_publish(packet(PacketType::publish, {0x00, 0x01, 't', 0x00, 0x00}, 0x02)).ok());
  // wildcard, empty topic, NUL in topic, DUP on QoS 0
  EXPECT_FALSE(decode_publish(packet(PacketType::publish, {0x00, 0x01, '#'})).ok());
  EXPECT_FALSE(decode_publish(packet(PacketType::publish, {0x00, 0x00})).ok());
  EXPECT_FALSE(decode_publish(packet(PacketType::publish, {0x00, 0x02, 'a', 0x00})).ok());
  EXPECT_FALSE(decode_publish(packet(PacketType::publish, {0x00, 0x01, 't'}, 0x08)).ok());
}

}  // namespace
}  // namespace certacl::fw::mqtt
