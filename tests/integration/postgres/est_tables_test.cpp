// PostgreSQL migration 2 (common/sql/postgres/002_est_and_device_history.sql), the
// equivalent of SQLite's migrations 3 and 4: the EST tables with their constraints, written by
// certacl_ca only, and `device remove`, which keeps a removed device's certificates as
// history. An existing version-1 registry is upgraded in place.
#include <gtest/gtest.h>

#include "certacl/store/postgres_registry_reader.h"
#include "certacl/store/postgres_schema.h"
#include "certacl_test/files.h"
#include "certacl_test/paths.h"
#include "postgres_world.h"
#include "refusal.h"

namespace certacl::test {
namespace {

using store::PostgresConnection;

constexpr std::string_view kCheckViolation = "23514";
constexpr std::string_view kForeignKeyViolation = "23503";

class PostgresMigration2 : public ::testing::Test {
 protected:
  void SetUp() override {
    world_.seed(writer_, 2);
    serial_ = ca_.exec("SELECT serial FROM certacl.certificates WHERE device = 'device-0'")
                  .optional_text(0, 0)
                  .value_or("");
    ASSERT_FALSE(serial_.empty());
  }

  PostgresWorld world_;
  store::PostgresStore writer_{world_.ca};
  PostgresConnection ca_{world_.ca};
  std::string serial_;
};

TEST_F(PostgresMigration2, TheEstTablesKeepTheirRulesAndOnlyTheCaRoleWritesThem) {
  ca_.exec(
      "INSERT INTO certacl.enrollment_tokens (device, token_sha256, created_at, expires_at) "
      "VALUES ('device-0', 'aa', 1, 2)");
  ca_.exec("UPDATE certacl.enrollment_tokens SET used_at = 3, used_serial = $1", {serial_});
  EXPECT_EQ(refusal_of(ca_,
                       "INSERT INTO certacl.enrollment_tokens (device, token_sha256, "
                       "created_at, expires_at) VALUES ('device-1', 'aa', 1, 2)")
                .sqlstate(),
            store::kSqlStateUniqueViolation);
  EXPECT_EQ(refusal_of(ca_,
                       "INSERT INTO certacl.enrollment_tokens (device, token_sha256, "
                       "created_at, expires_at) VALUES ('nobody', 'bb', 1, 2)")
                .sqlstate(),
            kForeignKeyViolation);
  EXPECT_EQ(refusal_of(ca_,
                       "INSERT INTO certacl.enrollment_tokens (device, token_sha256, "
                       "created_at, expires_at, used_at) VALUES ('device-1', 'cc', 1, 2, 3)")
                .sqlstate(),
            kCheckViolation);
  EXPECT_NO_PRIVILEGE(ca_, "UPDATE certacl.enrollment_tokens SET token_sha256 = 'dd'");
  ca_.exec(
      "INSERT INTO certacl.pending_supersessions (serial, replaced_by, revoke_at) "
      "VALUES ($1, $1, 5)",
      {serial_});
  EXPECT_EQ(refusal_of(ca_,
                       "INSERT INTO certacl.pending_supersessions (serial, replaced_by, "
                       "revoke_at) VALUES ('FFFF', 'FFFF', 5)")
                .sqlstate(),
            kForeignKeyViolation);

  PostgresConnection broker(world_.broker);
  EXPECT_NO_PRIVILEGE(broker, "SELECT * FROM certacl.enrollment_tokens");
  EXPECT_NO_PRIVILEGE(broker, "SELECT * FROM certacl.pending_supersessions");
  EXPECT_NO_PRIVILEGE(broker, "DELETE FROM certacl.enrollment_tokens");
  EXPECT_NO_PRIVILEGE(broker, "DELETE FROM certacl.devices");
}

TEST_F(PostgresMigration2, ARemovedDeviceKeepsItsCertificatesAsHistoryAndIsAnnounced) {
  store::PostgresRegistryReader reader(world_.broker);
  const std::int64_t before = reader.change_counter();
  ca_.exec(
      "INSERT INTO certacl.enrollment_tokens (device, token_sha256, created_at, expires_at) "
      "VALUES ('device-0', 'aa', 1, 2)");
  ASSERT_EQ(writer_.revoke_device("device-0", 5, "test").size(), 1U);
  {
    // As certacl-ca's `device remove` does on SQLite: tokens go with the device.
    store::PostgresTransaction removal(ca_, store::PostgresTransaction::Isolation::kReadCommitted);
    ca_.exec("DELETE FROM certacl.enrollment_tokens WHERE device = 'device-0'");
    ca_.exec("DELETE FROM certacl.devices WHERE name = 'device-0'");
    removal.commit();
  }
  const RegistryContents after = reader.load_registry();
  EXPECT_EQ(after.devices.size(), 1U);
  bool kept = false;
  for (const CertificateRecord& certificate : after.device_certificates) {
    if (certificate.serial == serial_)
      kept = certificate.revoked() && certificate.device == "device-0";
  }
  EXPECT_TRUE(kept) << "the removed device's certificate stays, revoked, with its name";
  bool announced = false;
  for (const store::RegistryChange& change : reader.changes_since(before)) {
    announced =
        announced || (change.entity == store::ChangedEntity::kDevice && change.key == "device-0");
  }
  EXPECT_TRUE(announced);
}

TEST(PostgresMigration2Upgrade, AVersionOneRegistryIsUpgradedInPlace) {
  PostgresServer server;
  server.run_sql("CREATE DATABASE upgraded", "postgres");
  store::PostgresSettings admin;
  admin.url = server.url("postgres", "upgraded");
  admin.passfile = server.passfile();
  PostgresConnection connection(admin);
  {
    // Version 1 exactly as a deployment of the previous release holds it.
    store::PostgresTransaction transaction(connection,
                                           store::PostgresTransaction::Isolation::kReadCommitted);
    connection.exec_script(read_file(source_dir() + "/common/sql/postgres/001_initial.sql"));
    connection.exec("INSERT INTO certacl.schema_migrations (version) VALUES (1)");
    connection.exec("INSERT INTO certacl.roles (name, created_at) VALUES ('sensor', 0)");
    connection.exec(
        "INSERT INTO certacl.devices (name, role, enabled, created_at, updated_at) "
        "VALUES ('kept', 'sensor', true, 0, 0)");
    transaction.commit();
  }
  ASSERT_EQ(store::read_postgres_schema_version(connection), 1);
  const std::int64_t counter =
      connection.exec("SELECT change_counter FROM certacl.state").int64(0, 0);
  store::apply_postgres_schema(connection);
  EXPECT_EQ(store::read_postgres_schema_version(connection), store::kPostgresSchemaVersion);
  EXPECT_EQ(connection.exec("SELECT count(*) FROM certacl.devices WHERE name = 'kept'").int64(0, 0),
            1);
  EXPECT_EQ(connection.exec("SELECT change_counter FROM certacl.state").int64(0, 0), counter);
  EXPECT_EQ(connection.exec("SELECT count(*) FROM certacl.enrollment_tokens").int64(0, 0), 0);
}

}  // namespace
}  // namespace certacl::test
