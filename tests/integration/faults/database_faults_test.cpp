// The registry database breaking under a running broker: deleted, held by a long write
// transaction, corrupted, made read-only. In every case the broker stays up, a revoked
// device stays refused, the CA refuses to write with one clear error, and nothing the CA
// committed before the fault is lost.

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "certacl/registry.h"
#include "certacl/sqlite.h"
#include "fault_fleet.h"

namespace certacl::test {
namespace {

using namespace std::chrono_literals;

constexpr int kStaleLimitSeconds = 2;

class DatabaseFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    fleet_.add_device("sensor-1");
    revoked_serial_ = fleet_.add_device("sensor-2");
    ASSERT_EQ(
        fleet_.ca().try_run({"revoke", revoked_serial_, "--reason", "keyCompromise"}).exit_code, 0);
    ASSERT_TRUE(fleet_.start_broker()) << fleet_.log_tail();
    ASSERT_TRUE(fleet_.publish("sensor-1", "factory/sensor-1/t", "x"));
    ASSERT_FALSE(fleet_.publish("sensor-2", "factory/sensor-2/t", "x"));
    certificates_before_ = certificate_serials();
    ASSERT_EQ(certificates_before_.size(), 3U);  // server + two devices
  }

  std::vector<std::string> certificate_serials() {
    SqliteDatabase db(fleet_.db_path(), SqliteDatabase::Access::ReadOnly);
    std::vector<std::string> serials;
    for (const CertificateRecord& record : load_certificates(db)) serials.push_back(record.serial);
    return serials;
  }

  // The fault may not stop a connect already allowed, but it must never let in what the
  // registry refused before it.
  void expect_refusals_hold() {
    EXPECT_TRUE(fleet_.broker().running()) << fleet_.log_tail();
    EXPECT_FALSE(fleet_.publish("sensor-2", "factory/sensor-2/t", "x"))
        << "a revoked device got in during the fault";
    EXPECT_FALSE(fleet_.publish("sensor-1", "factory/sensor-1/t", "x", "not-sensor-1"))
        << "a foreign client id got in during the fault";
  }

  // A CA write during the fault fails with a non-zero exit and one stderr line.
  void expect_ca_write_refused(const std::string& device) {
    const CommandResult result = fleet_.ca().try_run({"device", "add", device, "--role", "sensor"});
    EXPECT_NE(result.exit_code, 0) << result.out;
    EXPECT_NE(result.err.find("certacl-ca: "), std::string::npos) << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  }

  FaultFleet fleet_{kStaleLimitSeconds};
  std::string revoked_serial_;
  std::vector<std::string> certificates_before_;
};

void backup(const std::string& db_path, const std::string& copy) {
  SqliteDatabase db(db_path, SqliteDatabase::Access::ReadOnly);
  db.exec("VACUUM INTO '" + copy + "'");
}

void remove_database(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
}

TEST_F(DatabaseFaults, DeletedDatabaseServesLastSnapshotThenRefusesNewConnections) {
  const std::string copy = fleet_.file("backup.db");
  backup(fleet_.db_path(), copy);
  remove_database(fleet_.db_path());

  // Within the stale limit the last good snapshot still decides.
  expect_refusals_hold();
  // Past it, nobody can know about newer revocations: new connections are refused.
  ASSERT_TRUE(FaultFleet::eventually(
      [&] { return !fleet_.publish("sensor-1", "factory/sensor-1/t", "x"); }, 15s))
      << fleet_.log_tail();
  EXPECT_NE(fleet_.log_tail().find("stale"), std::string::npos);
  EXPECT_TRUE(fleet_.broker().running());

  // Restored, the fleet works again without a broker restart.
  std::filesystem::copy_file(copy, fleet_.db_path());
  ASSERT_TRUE(FaultFleet::eventually(
      [&] { return fleet_.publish("sensor-1", "factory/sensor-1/t", "x"); }, 15s))
      << fleet_.log_tail();
  expect_refusals_hold();
  EXPECT_EQ(certificate_serials(), certificates_before_);
}

TEST_F(DatabaseFaults, LongWriteTransactionBlocksNeitherBrokerNorLosesData) {
  {
    SqliteDatabase holder(fleet_.db_path(), SqliteDatabase::Access::ReadWrite);
    // The lock a certacl-ca transaction holds while it signs (RESERVED). In rollback-journal
    // mode it does not block readers: the broker keeps deciding from committed data, long
    // past the stale limit. (Only the commit itself takes the exclusive lock, for
    // milliseconds; docs/DEPLOYMENT.md.)
    holder.exec("BEGIN IMMEDIATE");
    holder.exec("UPDATE certacl_state SET change_counter = change_counter WHERE id = 1");
    std::this_thread::sleep_for(std::chrono::seconds(kStaleLimitSeconds + 1));
    EXPECT_TRUE(fleet_.publish("sensor-1", "factory/sensor-1/t", "x")) << fleet_.log_tail();
    expect_refusals_hold();
    // A second writer waits out its busy timeout, then gives up cleanly.
    expect_ca_write_refused("sensor-3");
    holder.exec("ROLLBACK");
  }
  EXPECT_EQ(certificate_serials(), certificates_before_);
  EXPECT_EQ(fleet_.ca().try_run({"device", "add", "sensor-3", "--role", "sensor"}).exit_code, 0);
  expect_refusals_hold();
}

TEST_F(DatabaseFaults, CorruptedDatabaseIsRefusedByCaAndNeverOpensTheBroker) {
  const std::string copy = fleet_.file("backup.db");
  backup(fleet_.db_path(), copy);
  {
    // Overwrite the header and the first pages, as a failing disk or a stray write would.
    std::fstream file(fleet_.db_path(), std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(file);
    const std::string garbage(16384, '\xA5');
    file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }

  // The CA cannot write to it, so the registry cannot have changed: the running broker
  // may keep deciding from its last good snapshot, and must keep its refusals.
  expect_ca_write_refused("sensor-3");
  expect_refusals_hold();

  // A broker (re)started on the corrupted file has no good snapshot at all: it must fail
  // closed, either by not starting or by refusing everyone.
  fleet_.broker().stop();
  if (fleet_.start_broker()) {
    EXPECT_FALSE(fleet_.publish("sensor-1", "factory/sensor-1/t", "x")) << fleet_.log_tail();
    EXPECT_FALSE(fleet_.publish("sensor-2", "factory/sensor-2/t", "x"));
  }

  // The backup is intact, and a broker started on it serves the fleet again.
  fleet_.broker().stop();
  remove_database(fleet_.db_path());
  std::filesystem::copy_file(copy, fleet_.db_path());
  ASSERT_TRUE(fleet_.start_broker()) << fleet_.log_tail();
  EXPECT_TRUE(fleet_.publish("sensor-1", "factory/sensor-1/t", "x")) << fleet_.log_tail();
  expect_refusals_hold();
  EXPECT_EQ(certificate_serials(), certificates_before_);
}

// chattr +i: the one read-only that also holds for root, who runs this test suite.
bool set_immutable(const std::string& path, bool on) {
  if (!std::filesystem::exists(path)) return true;
  return run_command({"chattr", on ? "+i" : "-i", path}).exit_code == 0;
}

class ImmutableFiles {
 public:
  explicit ImmutableFiles(std::vector<std::string> paths) : paths_(std::move(paths)) {
    for (const auto& path : paths_) ok_ = set_immutable(path, true) && ok_;
  }
  ~ImmutableFiles() {
    for (const auto& path : paths_) set_immutable(path, false);
  }
  ImmutableFiles(const ImmutableFiles&) = delete;
  ImmutableFiles& operator=(const ImmutableFiles&) = delete;
  [[nodiscard]] bool ok() const noexcept { return ok_; }

 private:
  std::vector<std::string> paths_;
  bool ok_ = true;
};

TEST_F(DatabaseFaults, ReadOnlyDatabaseRefusesCaWritesAndLosesNothing) {
  const std::string dir = std::filesystem::path(fleet_.db_path()).parent_path();
  {
    ImmutableFiles frozen({fleet_.db_path(), dir});
    if (!frozen.ok()) GTEST_SKIP() << "this file system does not support chattr +i";
    expect_refusals_hold();
    expect_ca_write_refused("sensor-3");
    EXPECT_EQ(fleet_.ca().try_run({"revoke", "--device", "sensor-1"}).exit_code == 0, false);
    EXPECT_TRUE(fleet_.broker().running());
  }
  EXPECT_EQ(certificate_serials(), certificates_before_);
  // Writable again: the CA works and the broker follows its change.
  ASSERT_EQ(fleet_.ca().try_run({"revoke", "--device", "sensor-1"}).exit_code, 0);
  ASSERT_TRUE(FaultFleet::eventually([&] {
    return !fleet_.publish("sensor-1", "factory/sensor-1/t", "x");
  })) << fleet_.log_tail();
}

}  // namespace
}  // namespace certacl::test
