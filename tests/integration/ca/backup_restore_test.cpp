// backup and restore: a consistent copy taken while other certacl-ca processes write, a
// restore onto another host that can sign again after `ca set-key-path`, and the change
// counter that makes a running broker reload.

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "admin_world.h"
#include "certacl/sqlite.h"
#include "certacl_test/files.h"
#include "cli_world.h"

namespace certacl::ca::test {
namespace {

using certacl::test::CaFixture;

TEST(BackupRestore, BackupIsOneSnapshotWhileWritersRun) {
  CaFixture ca;
  ca.add_role("sensor");
  std::atomic<bool> writing{true};
  std::atomic<int> added{0};
  std::thread writer([&] {
    // Bounded: at most 40 devices, stops as soon as the backups are done.
    for (int i = 0; i < 40 && writing.load(); ++i) {
      if (ca.try_run({"device", "add", "busy-" + std::to_string(i), "--role", "sensor"})
              .exit_code == 0) {
        ++added;
      }
    }
  });
  std::vector<std::string> copies;
  for (int i = 0; i < 3; ++i) {
    copies.push_back(ca.dir().file("copy-" + std::to_string(i) + ".db"));
    const auto result = ca.try_run({"backup", "--out", copies.back()});
    EXPECT_EQ(result.exit_code, 0) << result.err;
  }
  writing = false;
  writer.join();
  EXPECT_GT(added.load(), 0);
  for (const auto& copy : copies) {
    SqliteDatabase db(copy, SqliteDatabase::Access::ReadOnly);
    EXPECT_EQ(db.query_int64("SELECT count(*) FROM pragma_quick_check WHERE quick_check = 'ok'"),
              1);
    EXPECT_EQ(db.query_int64("SELECT count(*) FROM devices"),
              db.query_int64("SELECT count(*) FROM audit_log WHERE action = 'device-add'"));
    EXPECT_EQ(certacl::test::file_mode(copy), 0640U);
    // A self-contained file: no WAL to carry along.
    EXPECT_FALSE(certacl::test::file_exists(copy + "-wal"));
  }
}

TEST(BackupRestore, RestoreOnAnotherHostSignsAfterSetKeyPath) {
  CaFixture ca;
  ca.add_role("sensor");
  ca.add_device("dev1", "sensor");
  const auto issued = ca.enroll("dev1");
  const std::string backup = ca.dir().file("backup.db");
  ca.run({"backup", "--out", backup});

  // "Another host": a new directory, the key copied next to the restored registry.
  certacl::test::TempDir host;
  const std::string restored = host.file("certacl.db");
  const auto result = run_ca(restored, {"restore", "--from", backup});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::string key = host.file("ca-key.pem");
  certacl::test::write_file(key, certacl::test::read_file(ca.ca_key_path()), 0600);
  std::filesystem::remove(ca.ca_key_path());  // the old path is gone on the new host
  const auto cannot_sign = run_ca(restored, {"enroll", "dev1", "--key-out", host.file("k.pem"),
                                             "--cert-out", host.file("c.pem")});
  EXPECT_EQ(cannot_sign.exit_code, 6) << cannot_sign.err;
  const auto set = run_ca(restored, {"ca", "set-key-path", key});
  ASSERT_EQ(set.exit_code, 0) << set.err;
  const auto signed_again = run_ca(restored, {"enroll", "dev1", "--key-out", host.file("k.pem"),
                                              "--cert-out", host.file("c.pem")});
  EXPECT_EQ(signed_again.exit_code, 0) << signed_again.err;
  const auto listed = run_ca(restored, {"cert", "list", "--device", "dev1"});
  EXPECT_NE(listed.out.find(issued.serial), std::string::npos) << listed.out;
  const auto audit = run_ca(restored, {"audit"});
  EXPECT_NE(audit.out.find("ca-set-key-path"), std::string::npos) << audit.out;
  EXPECT_NE(audit.out.find("restore"), std::string::npos) << audit.out;
}

TEST(BackupRestore, ForcedRestoreGoesBackAndMovesTheCounterForward) {
  CaFixture ca;
  ca.add_role("sensor");
  const std::string backup = ca.dir().file("backup.db");
  ca.run({"backup", "--out", backup});
  ca.add_device("late", "sensor");
  std::int64_t before = 0;
  {
    SqliteDatabase db(ca.db_path(), SqliteDatabase::Access::ReadOnly);
    before = db.query_int64("SELECT change_counter FROM certacl_state");
  }
  const auto forced = ca.run({"restore", "--from", backup, "--force"});
  EXPECT_NE(forced.out.find("restart mosquitto"), std::string::npos) << forced.out;
  SqliteDatabase db(ca.db_path(), SqliteDatabase::Access::ReadOnly);
  EXPECT_EQ(db.query_int64("SELECT count(*) FROM devices"), 0);
  // Past every value the broker plugin may have seen, so it reloads.
  EXPECT_GT(db.query_int64("SELECT change_counter FROM certacl_state"), before);
  EXPECT_EQ(db.query_int64("SELECT count(*) FROM audit_log WHERE action = 'restore' AND "
                           "detail LIKE '%forced'"),
            1);
}

}  // namespace
}  // namespace certacl::ca::test
