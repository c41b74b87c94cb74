// A registered device sending what no broker should accept: a client id far beyond any
// limit, topics and filters of 10,000 levels. The broker must refuse each, stay up, and go
// on serving well-behaved clients.

#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>

#include "fault_fleet.h"
#include "raw_mqtt.h"

namespace certacl::test {
namespace {

constexpr std::uint8_t kConnack = 2;
constexpr std::uint8_t kPuback = 4;
constexpr std::uint8_t kSuback = 9;

class HostileInput : public ::testing::Test {
 protected:
  void SetUp() override {
    fleet_.add_device("sensor-1");
    fleet_.add_device("monitor");
    ASSERT_TRUE(fleet_.start_broker()) << fleet_.log_tail();
    ASSERT_TRUE(fleet_.publish("sensor-1", "factory/sensor-1/t", "before"));
  }

  RawMqttConnection connect_raw() {
    const IssuedCertificate& sensor = fleet_.certificate("sensor-1");
    return RawMqttConnection(fleet_.broker().port(), fleet_.ca().ca_cert_path(), sensor.cert_path,
                             sensor.key_path);
  }

  // A legitimately connected raw session for sensor-1.
  void connect_as_sensor(RawMqttConnection& connection) {
    ASSERT_TRUE(connection.send(mqtt_connect("sensor-1")));
    const auto connack = connection.receive();
    ASSERT_TRUE(connack.has_value());
    ASSERT_EQ(connack->type, kConnack);
    ASSERT_EQ(connack->body.size(), 2U);
    ASSERT_EQ(connack->body[1], 0) << "sensor-1 must be accepted";
  }

  void expect_broker_still_serves() {
    if (std::getenv("CERTACL_FAULT_VERBOSE") != nullptr) std::cout << fleet_.broker().log();
    EXPECT_TRUE(fleet_.broker().running()) << fleet_.log_tail();
    EXPECT_TRUE(fleet_.publish("sensor-1", "factory/sensor-1/t", "after"));
  }

  FaultFleet fleet_;
};

// Either no CONNACK at all (the broker dropped the connection) or a refusal code.
void expect_connect_refused(RawMqttConnection& connection) {
  const auto reply = connection.receive();
  if (reply) {
    ASSERT_EQ(reply->type, kConnack);
    ASSERT_EQ(reply->body.size(), 2U);
    EXPECT_NE(reply->body[1], 0) << "the broker accepted a hostile client id";
  }
}

TEST_F(HostileInput, LongestEncodableClientIdIsRefused) {
  // 65,535 bytes: the most an MQTT string can hold; far past certacl's 256-byte limit.
  RawMqttConnection connection = connect_raw();
  connection.send(mqtt_connect(std::string(65535, 'a')));
  expect_connect_refused(connection);
  expect_broker_still_serves();
}

// A refused client id is logged escaped and cut short: 64 KiB of attacker bytes per
// connection attempt must not become 64 KiB of broker log.
TEST_F(HostileInput, HostileClientIdDoesNotFloodTheLog) {
  RawMqttConnection connection = connect_raw();
  connection.send(mqtt_connect(std::string(65535, 'a')));
  expect_connect_refused(connection);
  ASSERT_TRUE(fleet_.broker().wait_for_log("DENY connect"));
  std::istringstream log(fleet_.broker().log());
  for (std::string line; std::getline(log, line);) {
    EXPECT_LE(line.size(), 4096U) << "log line of " << line.size()
                                  << " bytes: " << line.substr(0, 200) << "...";
  }
}

TEST_F(HostileInput, OneMegabyteClientIdIsRefused) {
  // A CONNECT whose remaining length announces 1 MiB, streaming a megabyte of client id
  // bytes behind a length prefix that cannot describe them.
  const std::size_t megabyte = 1024 * 1024;
  std::string body = mqtt_string("MQTT") + std::string{4, 0x02, 0, 30};
  body.push_back(static_cast<char>(0xFF));
  body.push_back(static_cast<char>(0xFF));
  body.append(megabyte - body.size(), 'a');
  RawMqttConnection connection = connect_raw();
  connection.send(mqtt_fixed_header(0x10, body.size()) + body);  // the broker may hang up early
  expect_connect_refused(connection);
  expect_broker_still_serves();
}

std::string levels(const std::string& prefix, int count) {
  std::string topic = prefix;
  for (int i = 0; i < count; ++i) topic += "/l";
  return topic;
}

TEST_F(HostileInput, PublishToTenThousandLevelTopicIsRefused) {
  const auto monitor = fleet_.session("monitor");
  ASSERT_TRUE(monitor->connected());
  ASSERT_TRUE(monitor->subscribe("factory/#").has_value());

  RawMqttConnection connection = connect_raw();
  connect_as_sensor(connection);
  // Inside sensor-1's own subtree, so only the depth can make it wrong.
  const std::string deep = levels("factory/sensor-1", 10000);
  connection.send(mqtt_publish_qos1(deep, "deep", 7));
  const auto reply = connection.receive();
  if (reply) {
    // MQTT 3.1.1 has no negative PUBACK: a PUBACK here would mean it was accepted.
    EXPECT_NE(reply->type, kPuback) << "a 10,000-level topic was accepted";
  }
  expect_broker_still_serves();
  EXPECT_TRUE(monitor->wait_for_message("factory/sensor-1/t", std::chrono::seconds(5)));
  EXPECT_FALSE(monitor->wait_for_message(deep, std::chrono::milliseconds(200)))
      << "the deep message was delivered";
}

// The deepest topic mosquitto lets through (200 levels) does reach the plugin: inside the
// device's own subtree it is delivered, one level off it is not.
TEST_F(HostileInput, DeepestAcceptedTopicsAreDecidedByTheRules) {
  const auto monitor = fleet_.session("monitor");
  ASSERT_TRUE(monitor->connected());
  ASSERT_TRUE(monitor->subscribe("factory/#").has_value());

  RawMqttConnection connection = connect_raw();
  connect_as_sensor(connection);
  const std::string own = levels("factory/sensor-1", 198);
  const std::string foreign = levels("factory/sensor-2", 198);
  ASSERT_TRUE(connection.send(mqtt_publish_qos1(foreign, "forged", 3)));
  ASSERT_TRUE(connection.send(mqtt_publish_qos1(own, "deep", 4)));
  for (int acknowledged = 0; acknowledged < 2; ++acknowledged) {
    const auto reply = connection.receive();
    ASSERT_TRUE(reply.has_value()) << fleet_.log_tail();
    EXPECT_EQ(reply->type, kPuback);
  }
  const auto delivered = monitor->wait_for_message(own, std::chrono::seconds(5));
  ASSERT_TRUE(delivered.has_value()) << fleet_.log_tail();
  EXPECT_EQ(delivered->payload, "deep");
  EXPECT_FALSE(monitor->wait_for_message(foreign, std::chrono::milliseconds(300)))
      << "a publish outside the device's subtree was delivered";
  expect_broker_still_serves();
}

TEST_F(HostileInput, SubscribeToTenThousandLevelFilterIsRefused) {
  RawMqttConnection connection = connect_raw();
  connect_as_sensor(connection);
  connection.send(mqtt_subscribe(levels("factory", 10000), 9));
  const auto reply = connection.receive();
  if (reply) {
    ASSERT_EQ(reply->type, kSuback);
    ASSERT_EQ(reply->body.size(), 3U);
    EXPECT_EQ(static_cast<unsigned char>(reply->body[2]), 0x80U) << "the filter was granted";
  }
  expect_broker_still_serves();
}

}  // namespace
}  // namespace certacl::test
