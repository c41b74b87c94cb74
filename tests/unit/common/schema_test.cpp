#include "certacl/schema.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "certacl/registry.h"
#include "certacl_test/files.h"

namespace certacl {
namespace {

using std::chrono::milliseconds;

class SchemaTest : public ::testing::Test {
 protected:
  test::TempDir dir_;
  std::string path_ = dir_.file("certacl.db");

  SqliteDatabase open_writer() {
    SqliteDatabase db(path_, SqliteDatabase::Access::ReadWriteCreate);
    db.configure_as_writer(milliseconds(1000));
    return db;
  }

  static void add_device(SqliteDatabase& db, const std::string& name) {
    db.exec("INSERT OR IGNORE INTO roles (name, created_at) VALUES ('sensor', 1)");
    db.prepare(
          "INSERT INTO devices (name, role, enabled, created_at, updated_at) "
          "VALUES (?1, 'sensor', 1, 1, 1)")
        .bind(1, name)
        .run();
  }
};

TEST_F(SchemaTest, MigratesAnEmptyFileAndIsIdempotent) {
  SqliteDatabase db = open_writer();
  EXPECT_EQ(read_schema_version(db), 0);
  apply_migrations(db);
  EXPECT_EQ(read_schema_version(db), kSchemaVersion);
  apply_migrations(db);
  EXPECT_EQ(read_schema_version(db), kSchemaVersion);
  EXPECT_NO_THROW(require_current_schema(db));
  Statement journal = db.prepare("PRAGMA journal_mode");
  ASSERT_TRUE(journal.step());
  EXPECT_EQ(journal.column_text(0), "delete");  // docs/DEPLOYMENT.md: readers write nothing
}

TEST_F(SchemaTest, EveryWatchedWriteBumpsTheChangeCounter) {
  SqliteDatabase db = open_writer();
  apply_migrations(db);
  const std::int64_t before = read_change_counter(db);
  add_device(db, "sensor1");  // inserts a role and a device
  const std::int64_t after_insert = read_change_counter(db);
  EXPECT_EQ(after_insert, before + 2);
  db.exec("UPDATE devices SET enabled = 0 WHERE name = 'sensor1'");
  EXPECT_EQ(read_change_counter(db), after_insert + 1);
  db.exec("INSERT INTO audit_log (at, actor, action, detail) VALUES (1, 'root', 'x', '')");
  EXPECT_EQ(read_change_counter(db), after_insert + 1) << "the audit log is not watched";
}

TEST_F(SchemaTest, AuditLogIsAppendOnly) {
  SqliteDatabase db = open_writer();
  apply_migrations(db);
  db.exec("INSERT INTO audit_log (at, actor, action, detail) VALUES (1, 'root', 'init', '')");
  EXPECT_THROW(db.exec("UPDATE audit_log SET action = 'forged'"), DatabaseError);
  EXPECT_THROW(db.exec("DELETE FROM audit_log"), DatabaseError);
  EXPECT_EQ(db.query_int64("SELECT count(*) FROM audit_log WHERE action = 'init'"), 1);
}

TEST_F(SchemaTest, RefusesNewerAndForeignDatabases) {
  {
    SqliteDatabase db = open_writer();
    db.exec("CREATE TABLE unrelated (x)");
    EXPECT_THROW(apply_migrations(db), DatabaseError);
    EXPECT_THROW(require_current_schema(db), DatabaseError);
  }
  test::TempDir other;
  SqliteDatabase newer(other.file("newer.db"), SqliteDatabase::Access::ReadWriteCreate);
  newer.exec("PRAGMA user_version = 99");
  try {
    apply_migrations(newer);
    FAIL() << "a newer schema must be refused";
  } catch (const DatabaseError& error) {
    EXPECT_NE(std::string(error.what()).find("newer than this certacl"), std::string::npos);
  }
}

TEST_F(SchemaTest, ConstraintsRejectInconsistentRows) {
  SqliteDatabase db = open_writer();
  apply_migrations(db);
  add_device(db, "sensor1");
  // A device row must name an existing role.
  EXPECT_THROW(db.exec("INSERT INTO devices (name, role, enabled, created_at, updated_at) "
                       "VALUES ('x', 'no-such-role', 1, 1, 1)"),
               DatabaseError);
  // A rule's effect is allow or deny, nothing else.
  EXPECT_THROW(db.exec("INSERT INTO role_rules (role, effect, action, pattern, created_at) "
                       "VALUES ('sensor', 'maybe', 'publish', 'a', 1)"),
               DatabaseError);
  // A revoked certificate always has a reason.
  EXPECT_THROW(db.exec("INSERT INTO certificates (serial, kind, device, subject, issuer, "
                       "not_before, not_after, sha256, certificate_pem, issued_at, revoked_at) "
                       "VALUES ('01', 'device', 'sensor1', 's', 'i', 1, 2, 'f', 'p', 1, 5)"),
               DatabaseError);
}

TEST_F(SchemaTest, ReaderSeesAConsistentRegistry) {
  {
    SqliteDatabase db = open_writer();
    apply_migrations(db);
    add_device(db, "sensor1");
    db.exec(
        "INSERT INTO role_rules (role, effect, action, pattern, created_at) "
        "VALUES ('sensor', 'allow', 'publish', 'factory/%u/#', 1)");
    db.exec(
        "INSERT INTO certificates (serial, kind, device, subject, issuer, not_before, "
        "not_after, sha256, certificate_pem, issued_at, revoked_at, revocation_reason) "
        "VALUES ('0A', 'device', 'sensor1', 'CN=sensor1', 'CN=ca', 10, 20, 'ab', 'pem', 10, "
        "15, 1)");
  }
  SqliteDatabase reader(path_, SqliteDatabase::Access::ReadOnly);
  reader.configure_as_reader(milliseconds(100));
  require_current_schema(reader);
  const RegistryContents registry = load_registry(reader);
  ASSERT_EQ(registry.devices.size(), 1U);
  EXPECT_EQ(registry.devices[0].name, "sensor1");
  EXPECT_TRUE(registry.devices[0].enabled);
  ASSERT_EQ(registry.rules.size(), 1U);
  EXPECT_EQ(registry.rules[0].effect, RuleEffect::kAllow);
  EXPECT_EQ(registry.rules[0].action, RuleAction::kPublish);
  ASSERT_EQ(registry.device_certificates.size(), 1U);
  EXPECT_TRUE(registry.device_certificates[0].revoked());
  EXPECT_EQ(registry.device_certificates[0].revocation_reason, 1);
  EXPECT_THROW(reader.exec("DELETE FROM devices"), DatabaseError) << "readers are query-only";
}

TEST_F(SchemaTest, EveryWatchedWriteLogsWhatItChangedWithItsCounter) {
  SqliteDatabase db = open_writer();
  apply_migrations(db);
  const std::int64_t before = read_change_counter(db);
  add_device(db, "sensor1");  // a role, then a device
  db.exec(
      "INSERT INTO role_rules (role, effect, action, pattern, created_at) "
      "VALUES ('sensor', 'allow', 'publish', 'a/#', 1)");
  db.exec(
      "INSERT INTO certificates (serial, kind, device, subject, issuer, not_before, not_after, "
      "sha256, certificate_pem, issued_at) "
      "VALUES ('0A', 'device', 'sensor1', 's', 'i', 1, 2, 'ab', 'p', 1)");
  db.exec("UPDATE certificates SET revoked_at = 3, revocation_reason = 1 WHERE serial = '0A'");
  db.exec("DELETE FROM devices WHERE name = 'sensor1'");

  const std::optional<RegistryChanges> changes = load_registry_changes(db, before);
  ASSERT_TRUE(changes.has_value());
  EXPECT_EQ(changes->change_counter, before + 6);
  EXPECT_EQ(changes->names.rows, 6U);
  EXPECT_EQ(changes->names.devices, std::vector<std::string>{"sensor1"});
  EXPECT_EQ(changes->names.roles, std::vector<std::string>{"sensor"});
  EXPECT_TRUE(changes->devices.empty()) << "removed: named, but no row";
  ASSERT_EQ(changes->device_certificates.size(), 1U) << "a removed device keeps its history";
  EXPECT_TRUE(changes->device_certificates[0].revoked());
  ASSERT_EQ(changes->rules.size(), 1U);
  EXPECT_EQ(db.query_int64("SELECT count(*) FROM change_log WHERE entity = 'certificate' AND "
                           "key = '0A' AND device = 'sensor1'"),
            2);
  // Nothing after the current counter.
  const auto none = load_registry_changes(db, changes->change_counter);
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(none->names.rows, 0U);
}

TEST_F(SchemaTest, AGapInTheChangeLogAsksForAFullRead) {
  SqliteDatabase db = open_writer();
  apply_migrations(db);
  add_device(db, "sensor1");
  const std::int64_t counter = read_change_counter(db);
  db.exec("UPDATE certacl_state SET change_counter = change_counter + 1 WHERE id = 1");
  EXPECT_FALSE(load_registry_changes(db, counter).has_value()) << "a counter with no row";
  db.exec("DELETE FROM change_log WHERE counter = 1");
  EXPECT_FALSE(load_registry_changes(db, 0).has_value()) << "a pruned row";
  EXPECT_FALSE(load_registry_changes(db, counter + 5).has_value()) << "ahead of the database";
}

TEST(ChangedNamesTest, NamesEachDeviceAndRoleOnceAndRefusesGaps) {
  const std::vector<RegistryChange> rows = {
      {5, ChangedEntity::kCertificate, "0A", "dev2"},
      {6, ChangedEntity::kDevice, "dev1", "dev1"},
      {7, ChangedEntity::kRole, "sensor", std::nullopt},
      {8, ChangedEntity::kCertificate, "0B", "dev2"},
      {9, ChangedEntity::kCertificate, "0C", std::nullopt},  // a server certificate
  };
  const auto names = changed_names(4, 9, rows);
  ASSERT_TRUE(names.has_value());
  EXPECT_EQ(names->devices, (std::vector<std::string>{"dev1", "dev2"}));
  EXPECT_EQ(names->roles, std::vector<std::string>{"sensor"});
  EXPECT_EQ(names->rows, 5U);
  EXPECT_FALSE(changed_names(4, 10, rows).has_value()) << "the counter is past the last row";
  EXPECT_FALSE(changed_names(3, 9, rows).has_value()) << "the first row is missing";
  std::vector<RegistryChange> gap = rows;
  gap[2].counter = 70;
  EXPECT_FALSE(changed_names(4, 9, gap).has_value());
  EXPECT_FALSE(changed_names(9, 4, {}).has_value()) << "the database went back";
}

TEST_F(SchemaTest, TheChangeLogKeepsTheLastRetainedChangesAndAReaderBehindReadsAll) {
  SqliteDatabase db = open_writer();
  apply_migrations(db);
  add_device(db, "sensor1");
  const std::int64_t start = read_change_counter(db);
  {
    WriteTransaction transaction(db);
    Statement touch = db.prepare("UPDATE devices SET updated_at = ?1 WHERE name = 'sensor1'");
    for (std::int64_t i = 0; i < kChangeLogRetention + 5; ++i) {
      touch.reset();
      touch.bind(1, i).run();
    }
    transaction.commit();
  }
  const std::int64_t counter = read_change_counter(db);
  EXPECT_EQ(counter, start + kChangeLogRetention + 5);
  EXPECT_EQ(db.query_int64("SELECT count(*) FROM change_log"), kChangeLogRetention);
  EXPECT_EQ(db.query_int64("SELECT min(counter) FROM change_log"),
            counter - kChangeLogRetention + 1);
  EXPECT_FALSE(load_registry_changes(db, start).has_value()) << "behind the rows kept";
  const auto recent = load_registry_changes(db, counter - kChangeLogRetention);
  ASSERT_TRUE(recent.has_value()) << "exactly the rows kept";
  EXPECT_EQ(recent->names.rows, static_cast<std::size_t>(kChangeLogRetention));
}

// A registry just before the change log: the counter-only triggers of that version, no
// change_log table. Made from the current schema by undoing the change-log migration.
void downgrade_to_before_the_change_log(SqliteDatabase& db) {
  db.exec("DROP TABLE change_log");
  for (const std::string table : {"roles", "role_rules", "devices", "certificates"}) {
    for (const std::string operation : {"INSERT", "UPDATE", "DELETE"}) {
      db.exec(fmt::format("DROP TRIGGER {0}_{1}_records_change", table, operation));
      db.exec(fmt::format(
          "CREATE TRIGGER {0}_{1}_bumps_counter AFTER {1} ON {0} "
          "BEGIN UPDATE certacl_state SET change_counter = change_counter + 1 WHERE id = 1; END",
          table, operation));
    }
  }
  db.exec(fmt::format("PRAGMA user_version = {}", kChangeLogSchemaVersion - 1));
}

TEST_F(SchemaTest, ARegistryFromBeforeTheChangeLogGetsItAndKeepsItsCounter) {
  SqliteDatabase db = open_writer();
  apply_migrations(db);
  add_device(db, "sensor1");
  downgrade_to_before_the_change_log(db);
  db.exec("UPDATE devices SET enabled = 0 WHERE name = 'sensor1'");  // old trigger: +1
  const std::int64_t counter = read_change_counter(db);

  apply_migrations(db);
  EXPECT_EQ(read_schema_version(db), kSchemaVersion);
  EXPECT_EQ(read_change_counter(db), counter);
  EXPECT_EQ(db.query_int64("SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND "
                           "name LIKE '%bumps_counter'"),
            0)
      << "the old triggers would bump the counter twice";
  db.exec("UPDATE devices SET enabled = 1 WHERE name = 'sensor1'");
  EXPECT_EQ(read_change_counter(db), counter + 1);
  const auto changes = load_registry_changes(db, counter);
  ASSERT_TRUE(changes.has_value());
  ASSERT_EQ(changes->devices.size(), 1U);
  EXPECT_TRUE(changes->devices[0].enabled);
}

TEST(SqliteDatabaseErrors, NameThePathWhenTheFileIsMissing) {
  try {
    SqliteDatabase db("/nonexistent/dir/certacl.db", SqliteDatabase::Access::ReadOnly);
    FAIL() << "opening a missing database must fail";
  } catch (const DatabaseError& error) {
    EXPECT_NE(std::string(error.what()).find("/nonexistent/dir/certacl.db"), std::string::npos);
  }
}

}  // namespace
}  // namespace certacl
