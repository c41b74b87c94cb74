// Start-up faults stop the broker with a message naming the cause; SIGHUP keeps serving.
#include <chrono>
#include <string>

#include "certacl_test/paths.h"
#include "plugin_environment.h"

namespace certacl::test {
namespace {

using namespace std::chrono_literals;

class BrokerLifecycleTest : public PluginEnvironment {
 protected:
  void start_shipped_drop_in();
};

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
  ASSERT_TRUE(broker_->wait_for_log("SIGHUP: re-reading the registry")) << broker_->log();
  // Read on the watcher thread and adopted at the next callback, not on the broker thread.
  ASSERT_TRUE(broker_->wait_for_log(" adopted: ")) << broker_->log();
  EXPECT_TRUE(broker_->running());
  EXPECT_TRUE(sensor->connected());
  auto after = connected(dev2_, "dev2");
  EXPECT_TRUE(after->connected());
}

void replace_line(std::string& text, const std::string& from, const std::string& to) {
  const std::size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << "shipped config lacks '" << from << "'";
  text.replace(at, from.size(), to);
}

// The shipped mosquitto.d/certacl.conf with this test's paths and port.
void BrokerLifecycleTest::start_shipped_drop_in() {
  std::string config = read_file(source_dir() + "/mosquitto.d/certacl.conf");
  BrokerSettings settings = broker_settings({});
  replace_line(config, "listener 8883", "listener {port} 127.0.0.1");
  replace_line(config, "/etc/mosquitto/certacl/ca.pem", ca_->ca_cert_path());
  replace_line(config, "/etc/mosquitto/certacl/server.pem", ca_->server_cert_path());
  replace_line(config, "/etc/mosquitto/certacl/server-key.pem", ca_->server_key_path());
  replace_line(config, "/etc/mosquitto/certacl/crl.pem", ca_->write_crl());
  replace_line(config, "/usr/local/lib/mosquitto/mosquitto_certacl.so", plugin_library());
  replace_line(config, "/var/lib/certacl/certacl.db", ca_->db_path());
  settings.raw_config = config;
  broker_ = std::make_unique<BrokerFixture>(settings);
  ASSERT_TRUE(broker_->start()) << broker_->log();
}

TEST_F(BrokerLifecycleTest, ShippedDropInConfigurationServesAndEnforces) {
  start_shipped_drop_in();
  ASSERT_TRUE(broker_->running()) << broker_->log();
  auto sensor = connected(dev1_, "dev1");
  EXPECT_EQ(sensor->subscribe("#"), std::vector<int>{kSubackFailure});
  auto wrong = client(dev1_, "intruder");
  EXPECT_EQ(wrong->connect().connack, kNotAuthorized);
}

// The drop-in turns check_retain_source on: a retained command outlives its publisher's
// revocation only until the next subscriber asks.
TEST_F(BrokerLifecycleTest, ShippedDropInChecksTheSourceOfRetainedMessages) {
  start_shipped_drop_in();
  ASSERT_TRUE(broker_->running()) << broker_->log();
  {
    auto headquarters = connected(hq1_, "hq1");
    ASSERT_TRUE(headquarters->publish("broadcast/command", "planted", 1, true));
  }
  ca_->run({"revoke", hq1_.serial, "--reason", "keyCompromise"});
  ASSERT_TRUE(broker_->wait_for_log(" adopted: ")) << broker_->log();
  auto reader = connected(dev1_, "dev1");
  ASSERT_EQ(reader->subscribe("broadcast/#"), std::vector<int>{1});
  EXPECT_FALSE(reader->wait_for_message("broadcast/command", 1s).has_value()) << broker_->log();
  EXPECT_TRUE(
      broker_->wait_for_log("DENY publish device='hq1' client_id='hq1' "
                            "topic='broadcast/command' reason=device holds no valid "
                            "certificate"))
      << broker_->log();
}

}  // namespace
}  // namespace certacl::test
