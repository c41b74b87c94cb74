// The plugin's PostgreSQL watcher and connect probe (plugin/src/broker/postgres_*) against a
// real PostgreSQL, as the broker role: changes are pushed by NOTIFY, not found by polling; a
// connect while the snapshot in force is behind an announced change is checked against the
// registry holding that change; a forged NOTIFY changes nothing.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "postgres_connect_probe.h"
#include "postgres_snapshot_watcher.h"
#include "postgres_world.h"

namespace certacl::test {
namespace {

using namespace std::chrono_literals;
using plugin::PostgresConnectProbe;
using plugin::PostgresSnapshotWatcher;
using Clock = std::chrono::steady_clock;

// A heartbeat of a minute: whatever the watcher sees within seconds was pushed to it.
constexpr plugin::PostgresWatchTiming kPushOnly{60s, 200ms};

template <typename Condition>
bool within(std::chrono::milliseconds limit, Condition condition) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return condition();
}

bool revoked_in(const policy::RegistrySnapshot& snapshot, const std::string& serial) {
  const policy::RegisteredCertificate* certificate = snapshot.find_certificate(serial);
  return certificate != nullptr && certificate->revoked();
}

class PostgresPluginWatcher : public ::testing::Test {
 protected:
  void SetUp() override {
    world_.seed(writer_, 3);
    start_ = plugin::load_postgres_snapshot(world_.broker);
    initial_ = start_.snapshot;
  }
  std::string serial_of(const std::string& device) const {
    for (const policy::RegisteredCertificate& certificate : initial_->certificates_of(device)) {
      return certificate.serial();
    }
    return {};
  }

  PostgresWorld world_;
  store::PostgresStore writer_{world_.ca};
  plugin::PostgresRegistryStart start_;
  std::shared_ptr<const policy::RegistrySnapshot> initial_;
};

TEST_F(PostgresPluginWatcher, ARevocationIsPushedWithoutWaitingForAPoll) {
  PostgresSnapshotWatcher watcher(world_.broker, std::move(start_), kPushOnly);
  const std::string serial = serial_of("device-1");
  ASSERT_FALSE(serial.empty());
  ASSERT_EQ(writer_.revoke_device("device-1", 1, "test").size(), 1U);
  const auto t0 = Clock::now();
  ASSERT_TRUE(within(5s, [&] { return watcher.has_new(); })) << watcher.health().last_error;
  std::printf("[ figure ] revoke returned -> new snapshot built by the watcher: %.1f ms\n",
              std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  const auto fresh = watcher.take_new();
  ASSERT_NE(fresh, nullptr);
  EXPECT_GT(fresh->change_counter(), initial_->change_counter());
  EXPECT_TRUE(revoked_in(*fresh, serial));
  EXPECT_FALSE(revoked_in(*fresh, serial_of("device-2")));
  EXPECT_EQ(watcher.known_counter(), fresh->change_counter());
  // From the change log, not a reload of the registry.
  EXPECT_TRUE(fresh->incremental());
  EXPECT_EQ(fresh->applied_changes(),
            static_cast<std::size_t>(fresh->change_counter() - initial_->change_counter()));
}

// A disable, a rule change, a new device with a certificate and a removal, each applied to
// the snapshot before from the change log, end where a full read of the registry ends.
TEST_F(PostgresPluginWatcher, EveryKindOfChangeIsAppliedFromTheChangeLog) {
  PostgresSnapshotWatcher watcher(world_.broker, std::move(start_), kPushOnly);
  std::shared_ptr<const policy::RegistrySnapshot> fresh;
  const auto next = [&](std::int64_t counter) {
    return within(5s, [&] {
      if (auto taken = watcher.take_new()) fresh = std::move(taken);
      return fresh && fresh->change_counter() >= counter;
    });
  };
  store::PostgresRegistryReader reader(world_.broker);

  writer_.set_device_enabled("device-0", false, "test");
  ASSERT_TRUE(next(reader.change_counter())) << watcher.health().last_error;
  EXPECT_TRUE(fresh->incremental());
  EXPECT_FALSE(fresh->find_device("device-0")->enabled());

  writer_.add_rule(RoleRule{"sensor", RuleEffect::kDeny, RuleAction::kPublish, "sensors/x"},
                   "test");
  ASSERT_TRUE(next(reader.change_counter())) << watcher.health().last_error;
  EXPECT_TRUE(fresh->incremental());
  EXPECT_FALSE(fresh->same_rules("sensor", *initial_));

  Device late;
  late.name = "late-1";
  late.role = "sensor";
  late.enabled = true;
  writer_.add_device(late, "test");
  const std::string serial = issue_for(writer_, "late-1");
  writer_.remove_device("device-2", 1, "test");
  ASSERT_TRUE(next(reader.change_counter())) << watcher.health().last_error;
  EXPECT_TRUE(fresh->incremental());
  ASSERT_NE(fresh->find_certificate(serial), nullptr);
  EXPECT_EQ(fresh->certificates_of("late-1").size(), 1U);
  EXPECT_EQ(fresh->find_device("device-2"), nullptr);

  const auto whole = policy::RegistrySnapshot::build(reader.load_registry(), 0);
  EXPECT_EQ(fresh->change_counter(), whole->change_counter());
  EXPECT_EQ(fresh->device_count(), whole->device_count());
  EXPECT_EQ(fresh->certificate_count(), whole->certificate_count());
  for (const std::string device : {"device-0", "device-1", "device-2", "late-1"}) {
    ASSERT_EQ(fresh->certificates_of(device).size(), whole->certificates_of(device).size());
    for (const policy::RegisteredCertificate& certificate : whole->certificates_of(device)) {
      const policy::RegisteredCertificate* mine = fresh->find_certificate(certificate.serial());
      ASSERT_NE(mine, nullptr);
      EXPECT_EQ(mine->revoked(), certificate.revoked()) << certificate.serial();
    }
    const policy::RegisteredDevice* mine = fresh->find_device(device);
    const policy::RegisteredDevice* theirs = whole->find_device(device);
    ASSERT_EQ(mine == nullptr, theirs == nullptr) << device;
    if (mine) {
      EXPECT_EQ(mine->enabled(), theirs->enabled()) << device;
    }
  }
  EXPECT_TRUE(fresh->same_rules("sensor", *whole));
}

TEST_F(PostgresPluginWatcher, AConnectBehindAnAnnouncedChangeIsCheckedAgainstIt) {
  PostgresSnapshotWatcher watcher(world_.broker, std::move(start_), kPushOnly);
  PostgresConnectProbe probe(watcher, 2s);
  const std::string serial = serial_of("device-2");
  const std::int64_t in_force = initial_->change_counter();
  EXPECT_EQ(probe.fresher_for(serial, in_force, 0), nullptr) << "nothing announced yet";

  ASSERT_EQ(writer_.revoke_device("device-2", 1, "test").size(), 1U);
  // The snapshot in force stays at `in_force`, as on a broker whose next TICK has not come.
  ASSERT_TRUE(within(5s, [&] { return watcher.known_counter() > in_force; }));
  const auto fresher = probe.fresher_for(serial, in_force, 0);
  ASSERT_NE(fresher, nullptr);
  EXPECT_TRUE(revoked_in(*fresher, serial));
  // It was only looked at: the next callback still adopts it.
  EXPECT_NE(watcher.take_new(), nullptr);
}

TEST_F(PostgresPluginWatcher, AForgedNotificationIsForgottenAtTheNextRead) {
  PostgresSnapshotWatcher watcher(world_.broker, std::move(start_), kPushOnly);
  PostgresConnectProbe probe(watcher, 2s);
  const std::int64_t in_force = initial_->change_counter();
  const std::uint64_t reads_before = watcher.reads();
  store::PostgresConnection broker(world_.broker);  // any role may NOTIFY
  broker.exec("SELECT pg_notify('certacl_changes', '999999')");
  ASSERT_TRUE(within(5s, [&] { return watcher.reads() > reads_before; }));
  EXPECT_EQ(probe.fresher_for(serial_of("device-0"), in_force, 0), nullptr);
  EXPECT_EQ(watcher.known_counter(), in_force);
  EXPECT_FALSE(watcher.has_new());
  EXPECT_TRUE(watcher.health().last_error.empty());
}

TEST_F(PostgresPluginWatcher, AChangeTheWatcherCannotReadStallsOneConnectNotEvery) {
  PostgresSnapshotWatcher watcher(world_.broker, std::move(start_), kPushOnly);
  constexpr auto kWait = std::chrono::milliseconds(300);
  PostgresConnectProbe probe(watcher, kWait);
  const std::int64_t in_force = initial_->change_counter();
  const std::string serial = serial_of("device-0");
  // The watcher stays connected but can no longer read the counter, then hears of a change.
  world_.server.run_sql("REVOKE SELECT ON certacl.broker_state FROM certacl_broker");
  store::PostgresConnection broker(world_.broker);
  broker.exec("SELECT pg_notify('certacl_changes', '999999')");
  ASSERT_TRUE(within(5s, [&] { return watcher.health().failures > 0; }));
  ASSERT_EQ(watcher.known_counter(), 999999);

  const auto first = Clock::now();
  EXPECT_THROW((void)probe.fresher_for(serial, in_force, 0), std::runtime_error);
  EXPECT_GE(Clock::now() - first, kWait) << "the first connect waits for the watcher";
  const auto second = Clock::now();
  EXPECT_THROW((void)probe.fresher_for(serial, in_force, 0), std::runtime_error);
  EXPECT_LT(Clock::now() - second, kWait) << "later connects do not wait again";

  world_.server.run_sql("GRANT SELECT ON certacl.broker_state TO certacl_broker");
  ASSERT_TRUE(within(5s, [&] { return watcher.known_counter() == in_force; }));
  EXPECT_EQ(probe.fresher_for(serial, in_force, 0), nullptr);
}

TEST_F(PostgresPluginWatcher, AChangeMissedWhileDisconnectedIsFoundByCounter) {
  PostgresSnapshotWatcher watcher(world_.broker, std::move(start_), kPushOnly);
  // Cut the watcher off and keep it off, so the revocation's NOTIFY cannot reach it.
  // Two statements: psql -c would run them as one transaction, and the session killed
  // before NOLOGIN commits could log in again at once.
  world_.server.run_sql("ALTER ROLE broker_reader NOLOGIN");
  world_.server.run_sql(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'broker_reader'");
  ASSERT_TRUE(within(10s, [&] { return watcher.health().failures > 0; }));
  ASSERT_EQ(writer_.revoke_device("device-0", 1, "test").size(), 1U);
  EXPECT_FALSE(watcher.has_new());
  world_.server.run_sql("ALTER ROLE broker_reader LOGIN");
  ASSERT_TRUE(within(10s, [&] { return watcher.has_new(); })) << watcher.health().last_error;
  EXPECT_TRUE(revoked_in(*watcher.take_new(), serial_of("device-0")));
  EXPECT_EQ(watcher.health().failures, 0U);
}

TEST_F(PostgresPluginWatcher, AfterARestartChangesArePushedAgain) {
  PostgresSnapshotWatcher watcher(world_.broker, std::move(start_), kPushOnly);
  world_.server.stop(PostgresServer::Shutdown::kImmediate);
  ASSERT_TRUE(within(10s, [&] { return watcher.health().failures > 0; }));
  EXPECT_NE(watcher.health().last_error, "");
  world_.server.start();
  ASSERT_TRUE(within(10s, [&] { return watcher.health().failures == 0; }))
      << watcher.health().last_error;
  (void)watcher.take_new();                // the whole registry, read again after the reconnect
  store::PostgresStore writer(world_.ca);  // the old connection died with the server
  ASSERT_EQ(writer.revoke_device("device-1", 1, "test").size(), 1U);
  ASSERT_TRUE(within(5s, [&] { return watcher.has_new(); })) << "not pushed after the restart";
  EXPECT_TRUE(revoked_in(*watcher.take_new(), serial_of("device-1")));
}

}  // namespace
}  // namespace certacl::test
