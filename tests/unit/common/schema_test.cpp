#include "certacl/schema.h"

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
