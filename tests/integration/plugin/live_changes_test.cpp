// Changes made with certacl-ca reach live connections without a restart.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "plugin_environment.h"

namespace certacl::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class LiveChangesTest : public PluginEnvironment {};

double milliseconds_since(Clock::time_point start, Clock::time_point end) {
  return std::chrono::duration<double, std::milli>(end - start).count();
}

TEST_F(LiveChangesTest, RevocationKicksALiveClient) {
  start_broker();
  auto sensor = connected(dev1_, "dev1");
  auto bystander = connected(dev2_, "dev2");
  ca_->revoke(dev1_.serial);
  const auto returned = Clock::now();
  ASSERT_TRUE(sensor->wait_for_disconnect(5s).has_value()) << broker_->log();
  const double elapsed = milliseconds_since(returned, *sensor->disconnected_at());
  std::printf("[ figure ] revocation -> disconnect: %.1f ms after certacl-ca revoke returned\n",
              elapsed);
  EXPECT_TRUE(broker_->wait_for_log("kick device='dev1' serial=" + dev1_.serial +
                                    " client_id='dev1' reason=certificate revoked"))
      << broker_->log();
  EXPECT_TRUE(bystander->connected());
  // Applied from the change log, not by re-reading the registry.
  EXPECT_TRUE(broker_->wait_for_log(" changes applied incrementally)")) << broker_->log();
  EXPECT_EQ(broker_->log().find("(full read)"), std::string::npos) << broker_->log();
  // Issue 13: only dev1's session was re-checked at the adoption, not the bystander's.
  EXPECT_NE(
      broker_->log().find(" live sessions (1 re-checked: 1 changed devices, 0 changed roles)"),
      std::string::npos)
      << broker_->log();
  // And it cannot come back.
  auto again = client(dev1_, "dev1");
  EXPECT_EQ(again->connect().connack, kNotAuthorized);
}

// Issue 13: the statistics say how many sessions the adoptions re-checked.
TEST_F(LiveChangesTest, StatisticsCountTheSessionsAnAdoptionRechecked) {
  start_broker({{"stats_interval", "1"}});
  auto sensor = connected(dev1_, "dev1");
  auto bystander = connected(dev2_, "dev2");
  auto ops = connected(ops1_, "ops1");
  ca_->revoke(dev1_.serial);
  ASSERT_TRUE(sensor->wait_for_disconnect(5s).has_value()) << broker_->log();
  ASSERT_EQ(ops->subscribe("$SYS/broker/certacl/registry/#"), std::vector<int>{1});
  // Retained values of an earlier interval come first: read on until the expected one (a
  // wrong value repeats every second, so five reads see it last).
  const auto read_until = [&ops](const std::string& topic, const std::string& expected) {
    std::string value;
    for (int attempt = 0; attempt < 5 && value != expected; ++attempt) {
      if (auto message = ops->wait_for_message("$SYS/broker/certacl/registry/" + topic, 2s)) {
        value = message->payload;
      }
    }
    return value;
  };
  const std::string adoptions = read_until("adoptions", "1");
  const std::string rechecked = read_until("sessions_rechecked", "1");
  const std::string all_sessions = read_until("adoptions_all_sessions", "0");
  EXPECT_EQ(adoptions, "1") << broker_->log();
  EXPECT_EQ(rechecked, "1") << "dev1's session only, of three" << broker_->log();
  EXPECT_EQ(all_sessions, "0") << broker_->log();
  EXPECT_TRUE(bystander->connected());
}

TEST_F(LiveChangesTest, DisablingADeviceKicksIt) {
  start_broker();
  auto sensor = connected(dev2_, "dev2");
  ca_->disable("dev2");
  const auto returned = Clock::now();
  ASSERT_TRUE(sensor->wait_for_disconnect(5s).has_value()) << broker_->log();
  std::printf("[ figure ] disable -> disconnect: %.1f ms\n",
              milliseconds_since(returned, *sensor->disconnected_at()));
  EXPECT_TRUE(broker_->wait_for_log("reason=device disabled"));
  EXPECT_TRUE(broker_->wait_for_log(" changes applied incrementally)")) << broker_->log();
  EXPECT_EQ(broker_->log().find("(full read)"), std::string::npos) << broker_->log();
}

TEST_F(LiveChangesTest, ADeviceRegisteredAfterStartIsAdmittedFromTheChangeLog) {
  start_broker();
  auto bystander = connected(dev1_, "dev1");
  ca_->add_device("late1", "sensor");
  const IssuedCertificate late = ca_->enroll("late1");
  ASSERT_TRUE(broker_->wait_for_log(" changes applied incrementally)")) << broker_->log();
  auto newcomer = connected(late, "late1");
  EXPECT_TRUE(newcomer->connected());
  EXPECT_TRUE(bystander->connected());
  EXPECT_EQ(broker_->log().find("(full read)"), std::string::npos) << broker_->log();
}

TEST_F(LiveChangesTest, RuleChangeAppliesToALiveClient) {
  start_broker();
  auto sensor = connected(dev1_, "dev1");
  ASSERT_EQ(sensor->subscribe("fleet/dev1/#"), std::vector<int>{1});
  ASSERT_TRUE(sensor->publish("fleet/dev1/valve", "before"));
  ASSERT_TRUE(sensor->wait_for_message("fleet/dev1/valve", 5s).has_value());

  ca_->deny("sensor", "publish", "fleet/%u/valve");
  ASSERT_TRUE(broker_->wait_for_log("recompiled ACL device='dev1'")) << broker_->log();
  ASSERT_TRUE(sensor->publish("fleet/dev1/valve", "after"));
  ASSERT_TRUE(sensor->publish("fleet/dev1/other", "still allowed"));
  ASSERT_TRUE(sensor->wait_for_message("fleet/dev1/other", 5s).has_value());
  EXPECT_FALSE(sensor->wait_for_message("fleet/dev1/valve", 200ms).has_value());
  EXPECT_TRUE(sensor->connected());
  EXPECT_TRUE(broker_->wait_for_log(" changes applied incrementally)")) << broker_->log();
  EXPECT_EQ(broker_->log().find("(full read)"), std::string::npos) << broker_->log();
}

TEST_F(LiveChangesTest, UnreadableDatabaseKeepsLastSnapshotThenRefusesWhenStale) {
  start_broker({{"stale_limit", "1"}});
  auto sensor = connected(dev1_, "dev1");
  const std::string moved = ca_->db_path() + ".moved";
  ASSERT_EQ(std::rename(ca_->db_path().c_str(), moved.c_str()), 0);
  EXPECT_TRUE(broker_->wait_for_log("database unreadable")) << broker_->log();
  ASSERT_TRUE(broker_->wait_for_log("database stale")) << broker_->log();
  auto late = client(dev2_, "dev2");
  EXPECT_EQ(late->connect().connack, kNotAuthorized);
  EXPECT_TRUE(broker_->wait_for_log("reason=database stale"));
  // The live session keeps its last good rules.
  EXPECT_TRUE(sensor->connected());
  ASSERT_EQ(std::rename(moved.c_str(), ca_->db_path().c_str()), 0);
  ASSERT_TRUE(broker_->wait_for_log("readable again")) << broker_->log();
  auto recovered = connected(dev2_, "dev2");
  EXPECT_TRUE(recovered->connected());
}

}  // namespace
}  // namespace certacl::test
