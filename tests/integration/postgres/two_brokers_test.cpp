// Two real mosquitto brokers, each with the real plugin reading one real PostgreSQL as its
// own member of certacl_broker (plugin_opt_db_url, password from a file). Devices hold real
// certificates from certacl-ca, registered in PostgreSQL through PostgresStore as
// certacl_ca (registry_copy.h). A change written once reaches the broker that holds the
// device; a PostgreSQL outage keeps the last snapshot, refuses new connections after the
// stale limit, and heals by itself.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <thread>

#include "certacl_test/broker_fixture.h"
#include "certacl_test/ca_fixture.h"
#include "certacl_test/mqtt_client.h"
#include "postgres_world.h"
#include "registry_copy.h"

namespace certacl::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int kNotAuthorized = 5;  // CONNACK, MQTT 3.1.1
constexpr int kKeyCompromise = 1;  // RFC 5280 revocation reason

class PostgresTwoBrokers : public ::testing::Test {
 protected:
  void SetUp() override {
    ca_.add_role("sensor");
    ca_.allow("sensor", "publish", "fleet/%u/#");
    ca_.allow("sensor", "subscribe", "fleet/%u/#");
    copy_ca(ca_, writer_);
    copy_role(ca_, writer_, "sensor");
    for (const char* name : {"dev1", "dev2", "dev3", "dev4"}) enroll(name);
  }

  // A device added and enrolled with certacl-ca, then registered in PostgreSQL.
  void enroll(const std::string& name) {
    ca_.add_device(name, "sensor");
    certificates_[name] = ca_.enroll(name);
    copy_device(ca_, writer_, name);
    copy_certificate(ca_, writer_, certificates_[name]);
  }

  // A broker logging in as `login` (a new member of certacl_broker).
  std::unique_ptr<BrokerFixture> broker(const std::string& login,
                                        const std::map<std::string, std::string>& extra = {}) {
    BrokerSettings settings;
    settings.cafile = ca_.ca_cert_path();
    settings.certfile = ca_.server_cert_path();
    settings.keyfile = ca_.server_key_path();
    settings.plugin_options = extra;
    settings.plugin_options["db_url"] = world_.server.url(login);
    settings.plugin_options["db_password_file"] =
        world_.server.create_login(login, "certacl_broker");
    auto fixture = std::make_unique<BrokerFixture>(settings);
    EXPECT_TRUE(fixture->start()) << fixture->log();
    return fixture;
  }

  std::unique_ptr<MqttTestClient> client(const BrokerFixture& on, const std::string& device) {
    MqttClientSettings settings;
    settings.port = on.port();
    settings.client_id = device;
    settings.cafile = ca_.ca_cert_path();
    settings.certfile = certificates_.at(device).cert_path;
    settings.keyfile = certificates_.at(device).key_path;
    return std::make_unique<MqttTestClient>(settings);
  }

  std::unique_ptr<MqttTestClient> connected(const BrokerFixture& on, const std::string& device) {
    auto mqtt = client(on, device);
    const ConnectOutcome outcome = mqtt->connect();
    EXPECT_TRUE(outcome.connected)
        << device << " connack=" << outcome.connack << " " << outcome.error << "\n"
        << on.log();
    return mqtt;
  }

  int connack(const BrokerFixture& on, const std::string& device) {
    return client(on, device)->connect().connack;
  }

  PostgresWorld world_;
  store::PostgresStore writer_{world_.ca};
  CaFixture ca_;
  std::map<std::string, IssuedCertificate> certificates_;
};

double milliseconds_since(Clock::time_point start, Clock::time_point end) {
  return std::chrono::duration<double, std::milli>(end - start).count();
}

TEST_F(PostgresTwoBrokers, ARevokedDeviceIsDroppedWhereverItIsAndRefusedByBoth) {
  auto a = broker("broker_a");
  auto b = broker("broker_b");
  ASSERT_TRUE(a->wait_for_log("started: db='postgresql://broker_a@")) << a->log();
  auto dev1 = connected(*a, "dev1");
  auto dev2 = connected(*a, "dev2");
  auto dev3 = connected(*b, "dev3");
  auto dev4 = connected(*b, "dev4");
  // The rules came from PostgreSQL too.
  ASSERT_EQ(dev3->subscribe("fleet/dev3/#"), std::vector<int>{1});
  ASSERT_TRUE(dev3->publish("fleet/dev3/t", "21.5"));
  ASSERT_TRUE(dev3->wait_for_message("fleet/dev3/t", 5s).has_value());
  ASSERT_EQ(dev3->subscribe("fleet/dev4/#"), std::vector<int>{0x80});

  ASSERT_EQ(writer_.revoke_device("dev3", kKeyCompromise, "test").size(), 1U);
  const auto committed = Clock::now();
  ASSERT_TRUE(dev3->wait_for_disconnect(3s).has_value()) << b->log();
  std::printf("[ figure ] PostgreSQL revoke committed -> dropped on broker B: %.1f ms\n",
              milliseconds_since(committed, *dev3->disconnected_at()));
  EXPECT_TRUE(b->wait_for_log("kick device='dev3' serial=" + certificates_["dev3"].serial))
      << b->log();
  // Both applied it from the change log, not by re-reading the registry.
  EXPECT_TRUE(a->wait_for_log(" changes applied incrementally)")) << a->log();
  EXPECT_TRUE(b->wait_for_log(" changes applied incrementally)")) << b->log();
  EXPECT_EQ(b->log().find("(full read)"), std::string::npos) << b->log();
  EXPECT_EQ(connack(*a, "dev3"), kNotAuthorized);
  EXPECT_EQ(connack(*b, "dev3"), kNotAuthorized);
  EXPECT_TRUE(dev1->connected());
  EXPECT_TRUE(dev2->connected());
  EXPECT_TRUE(dev4->connected());

  // The same write path drops a device on the other broker.
  ASSERT_EQ(writer_.revoke_device("dev1", kKeyCompromise, "test").size(), 1U);
  ASSERT_TRUE(dev1->wait_for_disconnect(3s).has_value()) << a->log();
  EXPECT_EQ(connack(*b, "dev1"), kNotAuthorized);
  EXPECT_TRUE(dev2->connected());
  EXPECT_TRUE(dev4->connected());
}

TEST_F(PostgresTwoBrokers, ADisableAndANewDeviceReachBothBrokers) {
  auto a = broker("broker_a");
  auto b = broker("broker_b");
  auto dev2 = connected(*a, "dev2");
  writer_.set_device_enabled("dev2", false, "test");
  ASSERT_TRUE(dev2->wait_for_disconnect(5s).has_value()) << a->log();
  EXPECT_TRUE(a->wait_for_log("reason=device disabled")) << a->log();
  EXPECT_EQ(connack(*b, "dev2"), kNotAuthorized);

  // Registered after both brokers started: admitted once the NOTIFY was adopted.
  enroll("dev5");
  ASSERT_TRUE(a->wait_for_log("started:"));
  const auto deadline = Clock::now() + 5s;
  bool on_a = false;
  bool on_b = false;
  while (Clock::now() < deadline && !(on_a && on_b)) {
    on_a = on_a || connack(*a, "dev5") == 0;
    on_b = on_b || connack(*b, "dev5") == 0;
    if (!(on_a && on_b)) std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(on_a) << a->log();
  EXPECT_TRUE(on_b) << b->log();
  // The disable and the new device came from the change log on both.
  EXPECT_EQ(a->log().find("(full read)"), std::string::npos) << a->log();
  EXPECT_EQ(b->log().find("(full read)"), std::string::npos) << b->log();
  EXPECT_TRUE(b->wait_for_log(" changes applied incrementally)")) << b->log();
}

TEST_F(PostgresTwoBrokers, AnOutageKeepsTheSnapshotRefusesAfterTheStaleLimitAndHeals) {
  auto a = broker("broker_a", {{"stale_limit", "2"}});
  auto b = broker("broker_b", {{"stale_limit", "2"}});
  auto dev1 = connected(*a, "dev1");
  auto dev2 = connected(*b, "dev2");

  world_.server.stop();
  for (BrokerFixture* each : {a.get(), b.get()}) {
    EXPECT_TRUE(each->wait_for_log("database unreadable", 10s)) << each->log();
    EXPECT_TRUE(each->wait_for_log("database stale", 10s)) << each->log();
  }
  EXPECT_EQ(connack(*a, "dev3"), kNotAuthorized);
  EXPECT_EQ(connack(*b, "dev4"), kNotAuthorized);
  EXPECT_TRUE(a->wait_for_log("reason=database stale")) << a->log();
  // Live sessions keep their last rules.
  EXPECT_TRUE(dev1->connected());
  EXPECT_TRUE(dev2->connected());
  ASSERT_TRUE(dev1->publish("fleet/dev1/t", "still here"));

  world_.server.start();
  for (BrokerFixture* each : {a.get(), b.get()}) {
    EXPECT_TRUE(each->wait_for_log("readable again; registry is current", 10s)) << each->log();
  }
  auto dev3 = connected(*a, "dev3");
  auto dev4 = connected(*b, "dev4");
  // LISTEN was issued again: a revocation is pushed as before the outage.
  store::PostgresStore writer(world_.ca);
  ASSERT_EQ(writer.revoke_device("dev4", kKeyCompromise, "test").size(), 1U);
  EXPECT_TRUE(dev4->wait_for_disconnect(5s).has_value()) << b->log();
  EXPECT_TRUE(dev3->connected());
}

TEST_F(PostgresTwoBrokers, ABrokerCutOffMeanwhileCatchesUpByCounter) {
  auto a = broker("broker_a");
  auto dev1 = connected(*a, "dev1");
  // Two statements: psql -c would run them as one transaction, and the session killed
  // before NOLOGIN commits could log in again at once.
  world_.server.run_sql("ALTER ROLE broker_a NOLOGIN");
  world_.server.run_sql(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'broker_a'");
  ASSERT_TRUE(a->wait_for_log("database unreadable", 10s)) << a->log();
  // Its NOTIFY cannot reach broker A.
  ASSERT_EQ(writer_.revoke_device("dev1", kKeyCompromise, "test").size(), 1U);
  world_.server.run_sql("ALTER ROLE broker_a LOGIN");
  EXPECT_TRUE(dev1->wait_for_disconnect(10s).has_value()) << a->log();
  EXPECT_TRUE(a->wait_for_log("readable again")) << a->log();
}

TEST_F(PostgresTwoBrokers, EachRolesClientIdRuleComesFromPostgres) {
  ca_.run({"role", "add", "multi", "--client-id", "prefix"});
  ca_.allow("multi", "publish", "fleet/%u/#");
  copy_role(ca_, writer_, "multi");
  ca_.add_device("gw1", "multi");
  certificates_["gw1"] = ca_.enroll("gw1");
  copy_device(ca_, writer_, "gw1");
  copy_certificate(ca_, writer_, certificates_["gw1"]);
  auto a = broker("broker_a");
  const auto connack_as = [&](const std::string& device, const std::string& client_id) {
    MqttClientSettings settings;
    settings.port = a->port();
    settings.client_id = client_id;
    settings.cafile = ca_.ca_cert_path();
    settings.certfile = certificates_.at(device).cert_path;
    settings.keyfile = certificates_.at(device).key_path;
    return MqttTestClient(settings).connect().connack;
  };
  EXPECT_EQ(connack_as("gw1", "gw1-line3"), 0) << a->log();     // role multi: prefix
  EXPECT_EQ(connack_as("dev1", "dev1-line3"), kNotAuthorized);  // role sensor: exact
}

TEST_F(PostgresTwoBrokers, SighupRereadsTheRegistryAndKeepsServing) {
  auto a = broker("broker_a");
  auto dev1 = connected(*a, "dev1");
  const std::size_t adoptions = a->log_count(" adopted: ");
  a->reload();
  ASSERT_TRUE(a->wait_for_log("SIGHUP: re-reading the registry")) << a->log();
  // Read again on the watcher thread though nothing changed, adopted at the next callback.
  ASSERT_TRUE(a->wait_for_log(" adopted: ", std::chrono::seconds(5), adoptions + 1)) << a->log();
  EXPECT_TRUE(a->running());
  EXPECT_TRUE(dev1->connected());
  auto dev2 = connected(*a, "dev2");
  EXPECT_TRUE(dev2->connected());
}

TEST_F(PostgresTwoBrokers, APasswordInTheUrlStopsTheBrokerWithoutLoggingIt) {
  BrokerSettings settings;
  settings.cafile = ca_.ca_cert_path();
  settings.certfile = ca_.server_cert_path();
  settings.keyfile = ca_.server_key_path();
  settings.plugin_options["db_url"] =
      "postgresql://broker_a:s3cret-in-url@127.0.0.1:" + std::to_string(world_.server.port()) +
      "/certacl";
  BrokerFixture fixture(settings);
  EXPECT_FALSE(fixture.start(5s));
  EXPECT_TRUE(fixture.wait_for_exit(5s).has_value());
  EXPECT_NE(fixture.log().find("refusing to start: the PostgreSQL URL carries a password"),
            std::string::npos)
      << fixture.log();
  EXPECT_EQ(fixture.log().find("s3cret-in-url"), std::string::npos) << fixture.log();
}

TEST_F(PostgresTwoBrokers, AWrongPasswordStopsTheBroker) {
  BrokerSettings settings;
  settings.cafile = ca_.ca_cert_path();
  settings.certfile = ca_.server_cert_path();
  settings.keyfile = ca_.server_key_path();
  (void)world_.server.create_login("broker_a", "certacl_broker");
  const std::string wrong = ca_.dir().file("wrong.password");
  write_file(wrong, "not-the-password\n", 0600);
  settings.plugin_options["db_url"] = world_.server.url("broker_a");
  settings.plugin_options["db_password_file"] = wrong;
  BrokerFixture fixture(settings);
  EXPECT_FALSE(fixture.start(5s));
  EXPECT_NE(fixture.log().find("refusing to start: cannot connect to PostgreSQL"),
            std::string::npos)
      << fixture.log();
}

}  // namespace
}  // namespace certacl::test
