// A primary PostgreSQL with a real streaming standby (pg_basebackup -R, hot_standby), and
// real mosquitto brokers with the plugin on a multi-host URL (host list, then
// target_session_attrs=read-write, so the LISTENing session always lands on the primary).
// The primary crashes; the brokers keep their snapshot and sessions; the standby is promoted;
// the brokers find it by themselves, LISTEN again, and a revocation on the new primary drops
// the device from whichever broker holds it. The CA pointed at the standby is refused.
#include <gtest/gtest.h>

#include <chrono>
#include <exception>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "certacl/store/postgres_store.h"
#include "certacl_test/broker_fixture.h"
#include "certacl_test/paths.h"
#include "certacl_test/postgres_fixture.h"
#include "enrolled_fleet.h"
#include "postgres_world.h"

namespace certacl::test {
namespace {

using namespace std::chrono_literals;

constexpr int kNotAuthorized = 5;  // CONNACK, MQTT 3.1.1
constexpr int kKeyCompromise = 1;  // RFC 5280 revocation reason
constexpr int kExitDatabase = 5;   // certacl-ca: database error (docs/CA.md)

// The message of what `action` throws; empty (and a failed test) when it throws nothing.
template <typename Action>
std::string error_of(Action&& action) {
  try {
    action();
  } catch (const std::exception& error) {
    return error.what();
  }
  ADD_FAILURE() << "no error";
  return {};
}

class PostgresFailover : public ::testing::Test {
 protected:
  // Both servers, the standby first on purpose: libpq tries them in order and keeps the
  // first that takes writes (target_session_attrs=read-write), so the standby is skipped
  // until it is promoted. Without that attribute the broker would land on the standby, where
  // LISTEN is refused, and not start.
  [[nodiscard]] std::string failover_url(const std::string& login) const {
    return "postgresql://" + login + "@127.0.0.1:" + std::to_string(standby_.port()) +
           ",127.0.0.1:" + std::to_string(world_.server.port()) +
           "/certacl?target_session_attrs=read-write";
  }

  // The CA's login (ca_writer, replicated from the primary) on the standby alone.
  [[nodiscard]] store::PostgresSettings ca_on_standby() const {
    store::PostgresSettings settings = world_.ca;
    settings.url = standby_.url("ca_writer");
    return settings;
  }

  std::unique_ptr<BrokerFixture> broker(const std::string& login) {
    BrokerSettings settings = fleet_.broker_settings(failover_url(login), password_file(login));
    settings.plugin_options["stale_limit"] = "60";
    settings.plugin_options["poll_interval_ms"] = "200";
    auto fixture = std::make_unique<BrokerFixture>(settings);
    EXPECT_TRUE(fixture->start()) << fixture->log();
    return fixture;
  }

  // Created on the primary, and waited for on the standby: libpq does not try the next host
  // after a failed authentication, so a login the standby lacks would stop a broker.
  std::string password_file(const std::string& login) {
    auto known = password_files_.find(login);
    if (known != password_files_.end()) return known->second;
    password_files_[login] = world_.server.create_login(login, "certacl_broker");
    standby_.wait_for_replay_of(world_.server);
    return password_files_[login];
  }

  std::unique_ptr<MqttTestClient> connected(const BrokerFixture& on, const std::string& device) {
    return fleet_.connected(on, device);
  }

  int connack(const BrokerFixture& on, const std::string& device) {
    return fleet_.connack(on.port(), device);
  }

  // Whether `on` refuses `device` within 5 s (a change on its way is adopted meanwhile).
  bool within_refused(const BrokerFixture& on, const std::string& device) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (connack(on, device) == kNotAuthorized) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

  PostgresWorld world_;
  store::PostgresStore writer_{world_.ca};
  EnrolledFleet fleet_{writer_, {"dev1", "dev2", "dev3", "dev4"}};
  // Made after the fleet, so it starts with the CA, role and devices.
  PostgresServer standby_{PostgresServer::StandbyOf{world_.server}};
  std::map<std::string, std::string> password_files_;
};

TEST_F(PostgresFailover, BrokersKeepServingThroughAPromotionAndFollowTheNewPrimary) {
  // The logins exist on the standby before the primary goes (replicated).
  for (const char* login : {"broker_a", "broker_b", "broker_c"}) (void)password_file(login);
  auto a = broker("broker_a");
  auto b = broker("broker_b");
  auto dev1 = connected(*a, "dev1");
  auto dev2 = connected(*a, "dev2");
  auto dev4 = connected(*b, "dev4");

  // Revoked on the old primary, and streamed to the standby before the crash.
  ASSERT_EQ(writer_.revoke_device("dev1", kKeyCompromise, "test").size(), 1U);
  ASSERT_TRUE(dev1->wait_for_disconnect(5s).has_value()) << a->log();
  standby_.wait_for_replay_of(world_.server);
  ASSERT_TRUE(standby_.in_recovery());

  world_.server.stop(PostgresServer::Shutdown::kImmediate);  // a crash: no shutdown checkpoint
  for (BrokerFixture* each : {a.get(), b.get()}) {
    EXPECT_TRUE(each->wait_for_log("database unreadable", 10s)) << each->log();
  }
  // No primary: the snapshot decides, within the stale limit, and the sessions stay.
  EXPECT_TRUE(dev2->connected());
  EXPECT_TRUE(dev4->connected());
  EXPECT_TRUE(dev2->publish("fleet/dev2/t", "no primary"));
  auto dev3 = connected(*a, "dev3");
  EXPECT_EQ(connack(*a, "dev1"), kNotAuthorized);
  EXPECT_EQ(connack(*b, "dev1"), kNotAuthorized);

  standby_.promote();
  ASSERT_FALSE(standby_.in_recovery());
  for (BrokerFixture* each : {a.get(), b.get()}) {
    EXPECT_TRUE(each->wait_for_log("readable again; registry is current", 15s)) << each->log();
  }
  // Each broker's session is LISTENing on the new primary.
  EXPECT_EQ(standby_.run_sql("SELECT count(*) FROM pg_stat_activity WHERE usename IN "
                             "('broker_a', 'broker_b') AND wait_event = 'ClientRead'"),
            "2\n");

  // A revocation on the new primary is pushed to whichever broker holds the device.
  store::PostgresStore new_writer(ca_on_standby());
  ASSERT_EQ(new_writer.revoke_device("dev3", kKeyCompromise, "test").size(), 1U);
  EXPECT_TRUE(dev3->wait_for_disconnect(5s).has_value()) << a->log();
  ASSERT_EQ(new_writer.revoke_device("dev4", kKeyCompromise, "test").size(), 1U);
  EXPECT_TRUE(dev4->wait_for_disconnect(5s).has_value()) << b->log();
  EXPECT_TRUE(dev2->connected());
  for (BrokerFixture* each : {a.get(), b.get()}) {
    for (const char* refused : {"dev1", "dev3", "dev4"}) {
      EXPECT_EQ(connack(*each, refused), kNotAuthorized) << refused;
    }
  }

  // A broker started now, the old primary still down, reads the new primary from scratch:
  // the revocation made before the failover is there.
  auto c = broker("broker_c");
  EXPECT_EQ(connack(*c, "dev1"), kNotAuthorized);
  EXPECT_EQ(connack(*c, "dev2"), 0) << c->log();
}

// With asynchronous streaming a commit the standby has not received is lost at failover,
// and the new primary hands out its change counter again: a broker that adopted the lost
// change would take the next one for a change it already has (docs/SCALING.md, "Faults").
// A synchronous standby closes that: a commit is neither acknowledged nor visible (no NOTIFY,
// no kick) until the standby has it.
TEST_F(PostgresFailover, WithASynchronousStandbyNothingAcknowledgedIsLostAndNothingIsMissed) {
  (void)password_file("broker_a");
  world_.server.require_synchronous_standby();
  auto a = broker("broker_a");
  auto dev1 = connected(*a, "dev1");
  auto dev3 = connected(*a, "dev3");

  standby_.stop_streaming();
  // The CA revokes dev1 on the primary: the COMMIT waits for the standby, which gets nothing.
  auto revoke = std::async(std::launch::async, [&] {
    CommandOptions options;
    options.environment = {{"CERTACL_DB_PASSWORD_FILE", *world_.ca.password_file}};
    options.timeout = 60s;
    return run_command({ca_binary(), "--db", world_.server.url("ca_writer"), "revoke", "--device",
                        "dev1", "--reason", "keyCompromise"},
                       options);
  });
  EXPECT_EQ(revoke.wait_for(1s), std::future_status::timeout) << "acknowledged, not replicated";
  EXPECT_FALSE(dev1->wait_for_disconnect(500ms).has_value()) << "a change no standby has";

  world_.server.stop(PostgresServer::Shutdown::kImmediate);
  const CommandResult revoked = revoke.get();
  EXPECT_EQ(revoked.exit_code, kExitDatabase) << revoked.out << revoked.err;
  standby_.promote();
  ASSERT_TRUE(a->wait_for_log("readable again; registry is current", 15s)) << a->log();

  // The new primary's next change is not mistaken for one the broker already has.
  store::PostgresStore new_writer(ca_on_standby());
  ASSERT_EQ(new_writer.revoke_device("dev3", kKeyCompromise, "test").size(), 1U);
  EXPECT_TRUE(dev3->wait_for_disconnect(5s).has_value()) << a->log();
  // The unacknowledged revocation is not there; the CA, told so, revokes again.
  EXPECT_TRUE(dev1->connected());
  ASSERT_EQ(new_writer.revoke_device("dev1", kKeyCompromise, "test").size(), 1U);
  EXPECT_TRUE(dev1->wait_for_disconnect(5s).has_value()) << a->log();
}

// The same failover with an asynchronous standby that never received a revocation the
// broker already adopted (change N+1): the promoted standby is at N and hands out N+1 again.
TEST_F(PostgresFailover, AfterAFailoverThatLostACommitTheNewPrimarysChangesAreNotMissed) {
  (void)password_file("broker_a");
  auto a = broker("broker_a");
  auto dev1 = connected(*a, "dev1");
  auto dev3 = connected(*a, "dev3");
  standby_.stop_streaming();
  ASSERT_EQ(writer_.revoke_device("dev1", kKeyCompromise, "test").size(), 1U);
  ASSERT_TRUE(dev1->wait_for_disconnect(5s).has_value()) << a->log();

  world_.server.stop(PostgresServer::Shutdown::kImmediate);
  standby_.promote();
  // A lower counter than the broker's is refused: the broker keeps its snapshot.
  EXPECT_FALSE(a->wait_for_log("readable again", 2s)) << a->log();
  EXPECT_EQ(connack(*a, "dev1"), kNotAuthorized);

  // The new primary's first change carries the counter the broker already has.
  store::PostgresStore new_writer(ca_on_standby());
  ASSERT_EQ(new_writer.revoke_device("dev3", kKeyCompromise, "test").size(), 1U);
  EXPECT_TRUE(dev3->wait_for_disconnect(5s).has_value()) << a->log();
  EXPECT_TRUE(a->wait_for_log("readable again; registry is current", 5s)) << a->log();
  // The registry in force is the new primary's, which never had dev1's revocation. The
  // broker had it: it keeps it in force and names it, so that the CA revokes it again
  // (docs/SCALING.md, "Faults").
  EXPECT_TRUE(
      a->wait_for_log("revocation lost by the registry, kept in force here: device='dev1'", 5s))
      << a->log();
  EXPECT_EQ(connack(*a, "dev1"), kNotAuthorized) << a->log();
  ASSERT_EQ(new_writer.revoke_device("dev1", kKeyCompromise, "test").size(), 1U);
  EXPECT_TRUE(within_refused(*a, "dev1")) << a->log();
}

TEST_F(PostgresFailover, ABrokerPointedAtTheStandbyAloneRefusesToStartSayingWhy) {
  BrokerFixture fixture(
      fleet_.broker_settings(standby_.url("broker_a"), password_file("broker_a")));
  EXPECT_FALSE(fixture.start(5s));
  EXPECT_TRUE(fixture.wait_for_exit(5s).has_value());
  EXPECT_NE(fixture.log().find("refusing to start: the PostgreSQL server is a standby, where "
                               "LISTEN is impossible; point the broker at the primary"),
            std::string::npos)
      << fixture.log();
}

TEST_F(PostgresFailover, TheCaIsRefusedByAStandbyWithAClearMessage) {
  const std::string expected = "the PostgreSQL server accepts no writes";
  standby_.wait_for_replay_of(world_.server);  // the devices
  store::PostgresStore on_standby(ca_on_standby());
  std::string message = error_of([&] { on_standby.revoke_device("dev1", kKeyCompromise, "t"); });
  EXPECT_NE(message.find(expected), std::string::npos) << message;
  message = error_of([&] { on_standby.set_device_enabled("dev2", false, "t"); });
  EXPECT_NE(message.find(expected), std::string::npos) << message;
  message = error_of([&] { (void)issue_for(on_standby, "dev2"); });
  EXPECT_NE(message.find(expected), std::string::npos) << message;

  // The same through certacl-ca: exit 5, the message, nothing written.
  CommandOptions options;
  options.environment = {{"CERTACL_DB_PASSWORD_FILE", *world_.ca.password_file}};
  for (const std::vector<std::string>& command : std::vector<std::vector<std::string>>{
           {"revoke", "--device", "dev1"}, {"device", "add", "dev9", "--role", "sensor"}}) {
    std::vector<std::string> argv = {ca_binary(), "--db", standby_.url("ca_writer")};
    argv.insert(argv.end(), command.begin(), command.end());
    const CommandResult result = run_command(argv, options);
    EXPECT_EQ(result.exit_code, kExitDatabase) << command[0] << ": " << result.out << result.err;
    EXPECT_NE(result.err.find(expected), std::string::npos) << result.err;
  }
  EXPECT_EQ(world_.server.run_sql("SELECT count(*) FROM certacl.certificates "
                                  "WHERE revoked_at IS NOT NULL"),
            "0\n");
  EXPECT_EQ(world_.server.run_sql("SELECT count(*) FROM certacl.devices WHERE name = 'dev9'"),
            "0\n");
}

}  // namespace
}  // namespace certacl::test
