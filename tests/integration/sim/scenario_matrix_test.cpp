// The scenario matrix through the real certacl-sim: every expected outcome must be observed
// (exit 0, every row "ok"), and a broker that does not enforce must make it fail.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "sim_environment.h"

namespace certacl::test {
namespace {

class ScenarioMatrix : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    environment_ = new SimEnvironment();
    ASSERT_TRUE(environment_->broker->start()) << environment_->broker->log();
  }
  static void TearDownTestSuite() {
    delete environment_;
    environment_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(environment_, nullptr);
    ASSERT_TRUE(environment_->broker->running()) << environment_->broker->log();
  }
  static CommandResult scenario(const std::string& name) {
    return environment_->sim({"scenario", name});
  }
  static std::string diagnostics(const CommandResult& result) {
    return "stdout:\n" + result.out + "\nstderr:\n" + result.err + "\nbroker log:\n" +
           environment_->broker->log();
  }
  static SimEnvironment* environment_;
};
SimEnvironment* ScenarioMatrix::environment_ = nullptr;

TEST_F(ScenarioMatrix, SeedsFlowAsTheHandRunDemosDid) {
  const auto result = scenario("seeds");
  EXPECT_EQ(result.exit_code, 0) << diagnostics(result);
  for (const char* check :
       {"seed devices connect over mTLS", "seed subscriptions granted",
        "sensor1 readings reach dashboard1", "client_b -> client_a on test/topic",
        "ESP32 readings reach pi-gateway", "pi-gateway commands reach each ESP32"}) {
    EXPECT_TRUE(has_row(result.out, "ok", check)) << check << "\n" << diagnostics(result);
  }
  EXPECT_NE(result.out.find("seeds: 7/7 checks as expected -> PASS"), std::string::npos)
      << diagnostics(result);
}

TEST_F(ScenarioMatrix, EveryAttackIsRefused) {
  const auto result = scenario("attacks");
  EXPECT_EQ(result.exit_code, 0) << diagnostics(result);
  for (const char* check :
       {"rogue device, self-signed certificate", "certificate from another CA",
        "CN containing '+' (another CA)", "CN containing '#' (real CA key, not in DB)",
        "CN containing '+' (real CA key, not in DB)", "registered name, real CA key, not in DB",
        "revoked certificate", "disabled device", "expired certificate",
        "client id claims another device (sensor1)", "no client certificate",
        "device subscribes to '#'", "allowed publish reaches the observer (control)",
        "publish outside ACL (as sensor1's topic)", "messages reaching the '#' subscriber"}) {
    EXPECT_TRUE(has_row(result.out, "ok", check)) << check << "\n" << diagnostics(result);
  }
  EXPECT_EQ(result.out.find("FAIL "), std::string::npos) << diagnostics(result);
}

TEST_F(ScenarioMatrix, RevokedDeviceIsDroppedWhileConnected) {
  const auto result = scenario("revoke-live");
  EXPECT_EQ(result.exit_code, 0) << diagnostics(result);
  EXPECT_TRUE(has_row(result.out, "ok", "broker drops the revoked device")) << diagnostics(result);
  EXPECT_TRUE(has_row(result.out, "ok", "revoked device reconnects")) << diagnostics(result);
  EXPECT_NE(result.out.find("measured: time from revocation to drop"), std::string::npos)
      << diagnostics(result);
}

TEST_F(ScenarioMatrix, RunningAgainstTheSameCaTwiceWorks) {
  const auto first = environment_->sim({"scenario", "all", "--json"});
  const auto second = environment_->sim({"scenario", "all", "--json"});
  EXPECT_EQ(first.exit_code, 0) << diagnostics(first);
  EXPECT_EQ(second.exit_code, 0) << diagnostics(second);
  const auto json = nlohmann::json::parse(second.out, nullptr, false);
  ASSERT_FALSE(json.is_discarded()) << second.out;
  EXPECT_TRUE(json["passed"].get<bool>());
  EXPECT_EQ(json["scenarios"].size(), 3u);
}

// A broker whose plugin only logs (dry run) lets the attackers in: the simulator must see
// that the expected refusals did not happen and fail.
TEST(ScenarioMismatch, NonEnforcingBrokerFailsTheAttackScenario) {
  SimEnvironment environment(std::map<std::string, std::string>{{"dry_run", "true"}});
  ASSERT_TRUE(environment.broker->start()) << environment.broker->log();
  const auto result = environment.sim({"scenario", "attacks"});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_TRUE(has_row(result.out, "FAIL", "revoked certificate")) << result.out;
  EXPECT_TRUE(has_row(result.out, "FAIL", "disabled device")) << result.out;
  // TLS still refuses what never chained to the CA, whatever the plugin does.
  EXPECT_TRUE(has_row(result.out, "ok", "certificate from another CA")) << result.out;
  EXPECT_NE(result.out.find("-> FAIL"), std::string::npos) << result.out;
}

TEST(ScenarioUsage, BadArgumentsAreOneClearError) {
  TempDir dir;
  const auto result = run_command({sim_binary(), "scenario", "seeds", "--port", "8883", "--cafile",
                                   dir.file("missing.pem"), "--ca-db", dir.file("missing.db")});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("missing.pem"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace certacl::test
