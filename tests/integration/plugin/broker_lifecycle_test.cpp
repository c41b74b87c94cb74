// Start-up faults stop the broker with a message naming the cause; SIGHUP keeps serving.
#include <chrono>

#include "plugin_environment.h"

namespace certacl::test {
namespace {

using namespace std::chrono_literals;

class BrokerLifecycleTest : public PluginEnvironment {};

TEST_F(BrokerLifecycleTest, MissingDatabaseStopsTheBroker) {
  BrokerSettings settings = broker_settings({});
  settings.db_path = ca_->dir().file("nowhere.db");
  BrokerFixture broker(settings);
  EXPECT_FALSE(broker.start(5s));
  EXPECT_TRUE(broker.wait_for_exit(5s).has_value());
  EXPECT_NE(broker.log().find("certacl: refusing to start"), std::string::npos) << broker.log();
  EXPECT_NE(broker.log().find("nowhere.db"), std::string::npos) << broker.log();
}

TEST_F(BrokerLifecycleTest, InvalidOptionStopsTheBrokerNamingIt) {
  BrokerFixture broker(broker_settings({{"identity", "fingerprint"}}));
  EXPECT_FALSE(broker.start(5s));
  EXPECT_TRUE(broker.wait_for_exit(5s).has_value());
  EXPECT_NE(broker.log().find("plugin_opt_identity: 'fingerprint'"), std::string::npos)
      << broker.log();
}

TEST_F(BrokerLifecycleTest, UnknownOptionStopsTheBrokerNamingIt) {
  BrokerFixture broker(broker_settings({{"colour", "blue"}}));
  EXPECT_FALSE(broker.start(5s));
  EXPECT_TRUE(broker.wait_for_exit(5s).has_value());
  EXPECT_NE(broker.log().find("plugin_opt_colour: unknown option"), std::string::npos)
      << broker.log();
}

TEST_F(BrokerLifecycleTest, SighupRereadsTheRegistryAndKeepsServing) {
  start_broker();
  auto sensor = connected(dev1_, "dev1");
  broker_->reload();
  ASSERT_TRUE(broker_->wait_for_log("SIGHUP: registry re-read")) << broker_->log();
  EXPECT_TRUE(broker_->running());
  EXPECT_TRUE(sensor->connected());
  auto after = connected(dev2_, "dev2");
  EXPECT_TRUE(after->connected());
}

}  // namespace
}  // namespace certacl::test
