// The background reader: picks up committed changes, and records (never throws) faults.
#include "snapshot_watcher.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string_view>
#include <thread>
#include <vector>

#include "certacl/schema.h"
#include "certacl/sqlite.h"
#include "certacl_test/files.h"

namespace certacl::plugin {
namespace {

using namespace std::chrono_literals;

void create_registry(const std::string& path) {
  SqliteDatabase db(path, SqliteDatabase::Access::ReadWriteCreate);
  db.configure_as_writer(1s);
  apply_migrations(db);
  db.exec("INSERT INTO roles (name, created_at) VALUES ('sensor', 0)");
  db.exec(
      "INSERT INTO devices (name, role, enabled, created_at, updated_at) "
      "VALUES ('dev1', 'sensor', 1, 0, 0)");
}

template <typename Condition>
bool eventually(Condition condition) {
  for (int i = 0; i < 200; ++i) {  // at most 2 s
    if (condition()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

TEST(SnapshotWatcherTest, MissingDatabaseIsAClearError) {
  test::TempDir dir;
  try {
    (void)load_snapshot(dir.file("absent.db"));
    FAIL() << "expected an error";
  } catch (const DatabaseError& error) {
    EXPECT_NE(std::string(error.what()).find("absent.db"), std::string::npos) << error.what();
  }
}

TEST(SnapshotWatcherTest, NotACertaclDatabaseIsRefused) {
  test::TempDir dir;
  {
    SqliteDatabase db(dir.file("other.db"), SqliteDatabase::Access::ReadWriteCreate);
    db.exec("CREATE TABLE t (x)");
  }
  EXPECT_THROW((void)load_snapshot(dir.file("other.db")), DatabaseError);
}

TEST(SnapshotWatcherTest, HandsOverCommittedChanges) {
  test::TempDir dir;
  const std::string path = dir.file("registry.db");
  create_registry(path);
  const auto initial = load_snapshot(path);
  ASSERT_NE(initial->find_device("dev1"), nullptr);
  SnapshotWatcher watcher(path, 20ms, initial);
  // Nothing changed: nothing handed over.
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(watcher.take_new(), nullptr);

  {
    SqliteDatabase db(path, SqliteDatabase::Access::ReadWrite);
    db.configure_as_writer(1s);
    db.exec("UPDATE devices SET enabled = 0 WHERE name = 'dev1'");
  }
  std::shared_ptr<const policy::RegistrySnapshot> fresh;
  ASSERT_TRUE(eventually([&] { return (fresh = watcher.take_new()) != nullptr; }));
  ASSERT_NE(fresh->find_device("dev1"), nullptr);
  EXPECT_FALSE(fresh->find_device("dev1")->enabled());
  EXPECT_GT(fresh->change_counter(), initial->change_counter());
  EXPECT_TRUE(fresh->incremental()) << "one change-log row, applied to the snapshot before";
  EXPECT_EQ(fresh->applied_changes(), 1U);
  EXPECT_TRUE(watcher.health().last_error.empty());

  // A log that cannot say what changed (a pruned row) is read whole.
  {
    SqliteDatabase db(path, SqliteDatabase::Access::ReadWrite);
    db.configure_as_writer(1s);
    db.exec("UPDATE devices SET enabled = 1 WHERE name = 'dev1'");
    db.exec("DELETE FROM change_log");
  }
  ASSERT_TRUE(eventually([&] { return (fresh = watcher.take_new()) != nullptr; }));
  EXPECT_TRUE(fresh->find_device("dev1")->enabled());
  EXPECT_FALSE(fresh->incremental());

  // Another file put in place, changed after the copy: its log says nothing about the
  // snapshot held, so it is read whole even though its rows would apply.
  const std::string copy = path + ".next";
  std::filesystem::copy_file(path, copy);
  {
    SqliteDatabase db(copy, SqliteDatabase::Access::ReadWrite);
    db.configure_as_writer(1s);
    db.exec("UPDATE devices SET enabled = 0 WHERE name = 'dev1'");
  }
  std::filesystem::rename(copy, path);
  ASSERT_TRUE(eventually([&] { return (fresh = watcher.take_new()) != nullptr; }));
  EXPECT_FALSE(fresh->find_device("dev1")->enabled());
  EXPECT_FALSE(fresh->incremental());
}

// Issue 13: the broker takes only the newest snapshot; one it never took still counts, so
// the newest names the changes of both since the snapshot in force.
TEST(SnapshotWatcherTest, ASnapshotNotTakenLeavesItsChangesToTheNext) {
  test::TempDir dir;
  const std::string path = dir.file("registry.db");
  create_registry(path);
  const auto write = [&path](const char* sql) {
    SqliteDatabase db(path, SqliteDatabase::Access::ReadWrite);
    db.configure_as_writer(1s);
    db.exec(sql);
  };
  write(
      "INSERT INTO devices (name, role, enabled, created_at, updated_at) "
      "VALUES ('dev2', 'sensor', 1, 0, 0)");
  const auto initial = load_snapshot(path);
  SnapshotWatcher watcher(path, 20ms, initial);
  write("UPDATE devices SET enabled = 0 WHERE name = 'dev1'");
  ASSERT_TRUE(eventually([&] { return watcher.has_new(); }));  // built, not taken
  write("UPDATE devices SET enabled = 0 WHERE name = 'dev2'");
  std::shared_ptr<const policy::RegistrySnapshot> fresh;
  ASSERT_TRUE(eventually([&] {
    fresh = watcher.take_new();
    return fresh && !fresh->find_device("dev2")->enabled();
  }));
  EXPECT_EQ(fresh->applied_changes(), 1U) << "built from the one not taken, in a second step";
  const auto changed = fresh->changes_since(initial->generation());
  ASSERT_TRUE(changed.has_value());
  EXPECT_EQ(changed->devices, (std::vector<std::string_view>{"dev1", "dev2"}));
}

TEST(SnapshotWatcherTest, DeletedDatabaseIsReportedAndRecovered) {
  test::TempDir dir;
  const std::string path = dir.file("registry.db");
  create_registry(path);
  const auto initial = load_snapshot(path);
  SnapshotWatcher watcher(path, 20ms, initial);
  ASSERT_EQ(std::rename(path.c_str(), dir.file("moved.db").c_str()), 0);
  ASSERT_TRUE(eventually([&] { return !watcher.health().last_error.empty(); }));
  EXPECT_NE(watcher.health().last_error.find("missing"), std::string::npos)
      << watcher.health().last_error;
  EXPECT_GE(watcher.health().failures, 1U);
  ASSERT_EQ(std::rename(dir.file("moved.db").c_str(), path.c_str()), 0);
  ASSERT_TRUE(eventually([&] { return watcher.health().last_error.empty(); }));
}

}  // namespace
}  // namespace certacl::plugin
