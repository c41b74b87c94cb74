// Shadow rules: a candidate rule set decided beside the enforced one, counted, never enforced.
#include <chrono>

#include "plugin_environment.h"

namespace certacl::test {
namespace {

using namespace std::chrono_literals;

class ShadowRulesTest : public PluginEnvironment {
 protected:
  std::string write_rules(const std::string& text) {
    const std::string path = ca_->dir().file("shadow.rules");
    write_file(path, text);
    return path;
  }
};

TEST_F(ShadowRulesTest, CandidateRulesAreCountedButNotEnforced) {
  // The candidate would take fleet/<device>/valve away from sensors.
  const std::string rules = write_rules(
      "sensor allow publish fleet/%u/#\n"
      "sensor deny publish fleet/%u/valve\n"
      "sensor allow subscribe fleet/%u/#\n");
  start_broker({{"shadow_rules", rules}, {"stats_interval", "1"}});
  auto sensor = connected(dev1_, "dev1");
  ASSERT_EQ(sensor->subscribe("fleet/dev1/#"), std::vector<int>{1});
  ASSERT_TRUE(sensor->publish("fleet/dev1/valve", "still enforced: allowed"));
  ASSERT_TRUE(sensor->wait_for_message("fleet/dev1/valve", 5s).has_value()) << broker_->log();
  EXPECT_TRUE(
      broker_->wait_for_log("SHADOW would DENY publish device='dev1' client_id='dev1' "
                            "topic='fleet/dev1/valve' reason=denied by rule"))
      << broker_->log();
  auto ops = connected(ops1_, "ops1");
  ASSERT_EQ(ops->subscribe("$SYS/broker/certacl/shadow/#"), std::vector<int>{1});
  // Published every second; the retained value may predate the publish.
  std::string differs;
  for (int attempt = 0; attempt < 5 && differs != "1"; ++attempt) {
    const auto message = ops->wait_for_message("$SYS/broker/certacl/shadow/publish/differs", 2s);
    if (message) differs = message->payload;
  }
  EXPECT_EQ(differs, "1") << broker_->log();
}

TEST_F(ShadowRulesTest, BadShadowRuleStopsTheBrokerNamingTheLine) {
  const std::string rules = write_rules("sensor allow publish fleet/#\nsensor permit publish x\n");
  broker_ = std::make_unique<BrokerFixture>(broker_settings({{"shadow_rules", rules}}));
  EXPECT_FALSE(broker_->start(3s));
  EXPECT_TRUE(broker_->wait_for_log("plugin_opt_shadow_rules")) << broker_->log();
  EXPECT_TRUE(broker_->wait_for_log("line 2: 'permit' is not allow or deny")) << broker_->log();
}

}  // namespace
}  // namespace certacl::test
