// Narrowed rules reach messages already queued for a client, and log lines are bounded and
// cannot be forged.
#include <chrono>
#include <sstream>
#include <string>

#include "plugin_environment.h"

namespace certacl::test {
namespace {

using namespace std::chrono_literals;

class NarrowingTest : public PluginEnvironment {};

std::size_t count_lines(const std::string& log, const std::string& text) {
  std::size_t count = 0;
  for (std::size_t at = log.find(text); at != std::string::npos; at = log.find(text, at + 1)) {
    ++count;
  }
  return count;
}

// Issue 8: messages already queued for a slow subscriber when a deny rule was adopted were
// still delivered. The session is now ended (kicked, reason logged) so that mosquitto
// re-checks its queue; with a clean session the queue is dropped.
TEST_F(NarrowingTest, MessagesQueuedBeforeADenyRuleAreNotDelivered) {
  start_broker({}, "max_inflight_messages 1\n");
  ManualClient slow(manual_settings(dev1_, "dev1"));
  ASSERT_EQ(slow.connect(), 0);
  ASSERT_EQ(slow.subscribe("broadcast/#"), 1);
  auto headquarters = connected(hq1_, "hq1");
  // The subscriber reads nothing now: one message in flight, the rest queued.
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(headquarters->publish("broadcast/plans/" + std::to_string(i), "queued"));
  }
  ca_->deny("sensor", "subscribe", "broadcast/plans/#");
  ASSERT_TRUE(broker_->wait_for_log("kick device='dev1' serial=" + dev1_.serial +
                                    " client_id='dev1' reason=rules narrowed"))
      << broker_->log();
  slow.pump(1s);
  std::size_t delivered = 0;
  for (const ManualMessage& message : slow.received()) {
    if (message.topic.rfind("broadcast/plans/", 0) == 0) ++delivered;
  }
  // At most the one message already written to the socket before the rule existed.
  EXPECT_LE(delivered, 1u) << broker_->log();
  EXPECT_FALSE(slow.connected());
}

TEST_F(NarrowingTest, WidenedRulesKeepTheSessionAndRecompile) {
  start_broker();
  auto sensor = connected(dev1_, "dev1");
  ca_->allow("sensor", "subscribe", "extra/#");
  ASSERT_TRUE(broker_->wait_for_log("recompiled ACL device='dev1'")) << broker_->log();
  EXPECT_EQ(sensor->subscribe("extra/#"), std::vector<int>{1});
  EXPECT_TRUE(sensor->connected());
}

// Issue 8: every denied publish or delivery wrote an info line on the broker thread.
TEST_F(NarrowingTest, RepeatedDenialsLogOnceAndCountEveryOne) {
  start_broker({{"log_level", "info"}, {"stats_interval", "1"}});
  auto sensor = connected(dev1_, "dev1");
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(sensor->publish("fleet/dev2/telemetry", "denied"));
  auto ops = connected(ops1_, "ops1");
  ASSERT_EQ(ops->subscribe("$SYS/broker/certacl/#"), std::vector<int>{1});
  int counted = 0;
  for (int attempt = 0; attempt < 5 && counted < 30; ++attempt) {
    const auto denied =
        ops->wait_for_message("$SYS/broker/certacl/publish/denied/no_matching_rule", 2s);
    if (denied) counted = std::stoi(denied->payload);
  }
  EXPECT_EQ(counted, 30) << broker_->log();
  EXPECT_EQ(count_lines(broker_->log(), "DENY publish device='dev1'"), 1u) << broker_->log();
}

// Issue 8: a device name was printed raw, so a name holding quotes wrote a line that read
// as another role.
TEST_F(NarrowingTest, DeviceNameCannotForgeALogLine) {
  const std::string forged = "lg' role='admin' serial=0";
  if (ca_->try_run({"device", "add", forged, "--role", "sensor"}).exit_code != 0) {
    GTEST_SKIP() << "the registry refuses such names, so none can reach a log line";
  }
  const IssuedCertificate certificate = ca_->enroll(forged);
  start_broker();
  auto mqtt = connected(certificate, forged);
  ASSERT_TRUE(mqtt->publish("elsewhere/x", "denied"));
  ASSERT_TRUE(broker_->wait_for_log("DENY publish")) << broker_->log();
  ca_->revoke(certificate.serial);
  ASSERT_TRUE(broker_->wait_for_log("kick device=")) << broker_->log();
  // mosquitto's own lines print the client id raw; certacl's lines must not.
  const std::string log = broker_->log();
  std::size_t certacl_lines = 0;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("certacl: ") == std::string::npos) continue;
    ++certacl_lines;
    EXPECT_EQ(line.find("role='admin'"), std::string::npos) << line;
  }
  EXPECT_GE(certacl_lines, 3u);
  EXPECT_NE(log.find("device='lg\\x27 role=\\x27admin\\x27 serial=0'"), std::string::npos) << log;
}

TEST_F(NarrowingTest, DryRunReportsWhatWouldHappenAfterAWouldDenyConnect) {
  ca_->revoke(dev1_.serial);
  start_broker({{"dry_run", "true"}, {"stats_interval", "1"}});
  auto sensor = connected(dev1_, "dev1");
  ASSERT_TRUE(sensor->publish("fleet/dev1/telemetry", "x"));
  EXPECT_TRUE(
      broker_->wait_for_log("DRY-RUN would DENY publish device='dev1' client_id='dev1' "
                            "topic='fleet/dev1/telemetry' reason=certificate revoked"))
      << broker_->log();
  EXPECT_EQ(broker_->log().find("no authenticated session"), std::string::npos);
  auto ops = connected(ops1_, "ops1");
  ASSERT_EQ(ops->subscribe("$SYS/broker/certacl/#"), std::vector<int>{1});
  std::optional<ReceivedMessage> would;
  for (int attempt = 0; attempt < 5 && !would; ++attempt) {
    would = ops->wait_for_message("$SYS/broker/certacl/connect/would_deny/certificate_revoked", 2s);
  }
  ASSERT_TRUE(would.has_value()) << broker_->log();
  EXPECT_EQ(would->payload, "1");
}

}  // namespace
}  // namespace certacl::test
