// Message paths where mosquitto asks the plugin about a client that has no live session:
// wills (published after the DISCONNECT event), messages queued for an offline persistent
// session, and check_retain_source. Each is decided from the registry by the username the
// plugin set at connect.
#include <chrono>

#include "plugin_environment.h"

namespace certacl::test {
namespace {

using namespace std::chrono_literals;

class MessagePathsTest : public PluginEnvironment {
 protected:
  // Leaves dev1 with a persistent session subscribed to broadcast/# and no connection, so
  // that what the broker queues for it is decided without a live session.
  ManualClientSettings leave_dev1_offline_but_subscribed() {
    ManualClientSettings settings = manual_settings(dev1_, "dev1");
    settings.clean_session = false;
    ManualClient sensor(settings);
    EXPECT_EQ(sensor.connect(), 0);
    EXPECT_EQ(sensor.subscribe("broadcast/#"), 1);
    sensor.disconnect();
    return settings;
  }
};

// Issue 8: the will's ACL check came after the session was erased and was always denied.
TEST_F(MessagePathsTest, WillOfADeviceInGoodStandingIsPublished) {
  start_broker();
  auto monitor = connected(mon_, "mon");
  ASSERT_EQ(monitor->subscribe("fleet/+/telemetry"), std::vector<int>{1});
  ManualClientSettings settings = manual_settings(dev1_, "dev1");
  settings.will_topic = "fleet/dev1/telemetry";
  ManualClient sensor(settings);
  ASSERT_EQ(sensor.connect(), 0) << broker_->log();
  sensor.drop();
  const auto will = monitor->wait_for_message("fleet/dev1/telemetry", 5s);
  ASSERT_TRUE(will.has_value()) << broker_->log();
  EXPECT_EQ(will->payload, "gone");
}

TEST_F(MessagePathsTest, WillOutsideTheDevicesRulesIsNotPublished) {
  start_broker();
  auto monitor = connected(mon_, "mon");
  ASSERT_EQ(monitor->subscribe("fleet/+/telemetry"), std::vector<int>{1});
  ManualClientSettings forged = manual_settings(dev1_, "dev1");
  forged.will_topic = "fleet/dev2/telemetry";  // dev1 may not speak for dev2
  ManualClient sensor(forged);
  ASSERT_EQ(sensor.connect(), 0);
  sensor.drop();
  EXPECT_FALSE(monitor->wait_for_message("fleet/dev2/telemetry", 1s).has_value());
  EXPECT_TRUE(
      broker_->wait_for_log("DENY publish device='dev1' client_id='dev1' "
                            "topic='fleet/dev2/telemetry' reason=no rule allows it"))
      << broker_->log();
}

// A delayed MQTT 5 will is published seconds after the connection ended; a revocation in
// between must stop it, while the same will of a device in good standing goes out.
TEST_F(MessagePathsTest, DelayedWillOfADeviceRevokedMeanwhileIsNotPublished) {
  start_broker();
  auto monitor = connected(mon_, "mon");
  ASSERT_EQ(monitor->subscribe("fleet/+/telemetry"), std::vector<int>{1});
  ManualClientSettings first = manual_settings(dev1_, "dev1");
  first.mqtt5 = true;
  first.will_topic = "fleet/dev1/telemetry";
  first.will_delay_seconds = 2;
  ManualClientSettings second = manual_settings(dev2_, "dev2");
  second.mqtt5 = true;
  second.will_topic = "fleet/dev2/telemetry";
  second.will_delay_seconds = 2;
  ManualClient revoked(first);
  ManualClient kept(second);
  ASSERT_EQ(revoked.connect(), 0);
  ASSERT_EQ(kept.connect(), 0);
  revoked.drop();
  kept.drop();
  ca_->revoke(dev1_.serial);
  ASSERT_TRUE(monitor->wait_for_message("fleet/dev2/telemetry", 6s).has_value()) << broker_->log();
  EXPECT_FALSE(monitor->wait_for_message("fleet/dev1/telemetry", 1s).has_value()) << broker_->log();
  EXPECT_TRUE(
      broker_->wait_for_log("topic='fleet/dev1/telemetry' reason=device holds no valid "
                            "certificate"))
      << broker_->log();
}

// Issue 8: QoS 1 messages for an offline persistent session were denied and dropped.
TEST_F(MessagePathsTest, MessageQueuedForAnOfflineDeviceArrivesWhenItReconnects) {
  start_broker();
  const ManualClientSettings settings = leave_dev1_offline_but_subscribed();
  ASSERT_FALSE(HasFailure());
  auto headquarters = connected(hq1_, "hq1");
  ASSERT_TRUE(headquarters->publish("broadcast/command", "open valve"));
  ManualClient back(settings);
  ASSERT_EQ(back.connect(), 0);
  ASSERT_TRUE(back.wait_for("broadcast/command", 5s)) << broker_->log();
  EXPECT_EQ(back.received().front().payload, "open valve");
}

TEST_F(MessagePathsTest, QueuedMessageTheRulesNoLongerAllowIsNotDelivered) {
  start_broker();
  const ManualClientSettings settings = leave_dev1_offline_but_subscribed();
  ASSERT_FALSE(HasFailure());
  auto headquarters = connected(hq1_, "hq1");
  ASSERT_TRUE(headquarters->publish("broadcast/plans/secret", "queued before the rule"));
  ASSERT_TRUE(headquarters->publish("broadcast/news", "still allowed"));
  ca_->deny("sensor", "subscribe", "broadcast/plans/#");
  ASSERT_TRUE(broker_->wait_for_log(" adopted: ")) << broker_->log();
  ManualClient back(settings);
  ASSERT_EQ(back.connect(), 0);
  ASSERT_TRUE(back.wait_for("broadcast/news", 5s)) << broker_->log();
  back.pump(300ms);
  EXPECT_EQ(back.count("broadcast/plans/secret"), 0u);
}

TEST_F(MessagePathsTest, NoMessageIsQueuedForARevokedOfflineDevice) {
  start_broker();
  const ManualClientSettings settings = leave_dev1_offline_but_subscribed();
  ASSERT_FALSE(HasFailure());
  ca_->revoke(dev1_.serial);
  ASSERT_TRUE(broker_->wait_for_log(" adopted: ")) << broker_->log();
  auto headquarters = connected(hq1_, "hq1");
  ASSERT_TRUE(headquarters->publish("broadcast/command", "for a stolen key"));
  EXPECT_TRUE(
      broker_->wait_for_log("DENY read device='dev1' client_id='dev1' "
                            "topic='broadcast/command' reason=device holds no valid "
                            "certificate"))
      << broker_->log();
  // Re-enrolled, the device gets its session back without the refused message. A new
  // certificate is admitted once the watcher adopted it (a connect-time read only refuses).
  const std::size_t adoptions = broker_->log_count(" adopted: ");
  const IssuedCertificate renewed = ca_->enroll("dev1");
  ASSERT_TRUE(broker_->wait_for_log(" adopted: ", 5s, adoptions + 1)) << broker_->log();
  ManualClientSettings again = manual_settings(renewed, "dev1");
  again.clean_session = false;
  ManualClient resumed(again);
  ASSERT_EQ(resumed.connect(), 0);
  resumed.pump(500ms);
  EXPECT_EQ(resumed.count("broadcast/command"), 0u);
}

class RetainSourceTest : public PluginEnvironment {
 protected:
  void start() { start_broker({}, "check_retain_source true\n"); }
  std::optional<ReceivedMessage> retained_seen_by(const IssuedCertificate& certificate,
                                                  const std::string& client_id) {
    auto subscriber = connected(certificate, client_id);
    EXPECT_EQ(subscriber->subscribe("broadcast/#"), std::vector<int>{1});
    return subscriber->wait_for_message("broadcast/command", 1s);
  }
};

// Without sessionless decisions every retained-source check was denied, so
// check_retain_source could not be turned on: no retained message was ever delivered.
TEST_F(RetainSourceTest, RetainedMessageOfAPublisherInGoodStandingIsDelivered) {
  start();
  auto headquarters = connected(hq1_, "hq1");
  ASSERT_TRUE(headquarters->publish("broadcast/command", "reboot", 1, true));
  const auto seen = retained_seen_by(dev1_, "dev1");
  ASSERT_TRUE(seen.has_value()) << broker_->log();
  EXPECT_TRUE(seen->retained);
}

// Issue 8: a retained command planted under a stolen key outlived the key's revocation.
TEST_F(RetainSourceTest, RetainedMessageOfARevokedPublisherIsNotDelivered) {
  start();
  {
    auto headquarters = connected(hq1_, "hq1");
    ASSERT_TRUE(headquarters->publish("broadcast/command", "planted", 1, true));
  }
  ASSERT_TRUE(retained_seen_by(dev1_, "dev1").has_value()) << broker_->log();
  ca_->run({"revoke", hq1_.serial, "--reason", "keyCompromise"});
  ASSERT_TRUE(broker_->wait_for_log(" adopted: ")) << broker_->log();
  EXPECT_FALSE(retained_seen_by(dev2_, "dev2").has_value()) << broker_->log();
}

TEST_F(RetainSourceTest, RetainedMessageOfADisabledPublisherIsNotDelivered) {
  start();
  {
    auto headquarters = connected(hq1_, "hq1");
    ASSERT_TRUE(headquarters->publish("broadcast/command", "planted", 1, true));
  }
  ASSERT_TRUE(retained_seen_by(dev1_, "dev1").has_value()) << broker_->log();
  ca_->disable("hq1");
  ASSERT_TRUE(broker_->wait_for_log(" adopted: ")) << broker_->log();
  EXPECT_FALSE(retained_seen_by(dev2_, "dev2").has_value()) << broker_->log();
}

TEST_F(RetainSourceTest, RetainedMessageOnATopicThePublisherMayNoLongerUseIsNotDelivered) {
  start();
  {
    auto headquarters = connected(hq1_, "hq1");
    ASSERT_TRUE(headquarters->publish("broadcast/command", "planted", 1, true));
  }
  ASSERT_TRUE(retained_seen_by(dev1_, "dev1").has_value()) << broker_->log();
  ca_->deny("hq", "publish", "broadcast/command");
  ASSERT_TRUE(broker_->wait_for_log(" adopted: ")) << broker_->log();
  EXPECT_FALSE(retained_seen_by(dev2_, "dev2").has_value()) << broker_->log();
}

}  // namespace
}  // namespace certacl::test
