// Least privilege as the server enforces it: the broker role reads its views and can change
// nothing; the CA role writes the registry but not the counter, the change log, history or
// the schema. Relations are listed from pg_class, so a new table is covered automatically.
#include <gtest/gtest.h>

#include "certacl/store/postgres_registry_reader.h"
#include "postgres_world.h"
#include "refusal.h"

namespace certacl::test {
namespace {

using store::PostgresConnection;

struct Relation {
  std::string name;
  bool is_table = false;
  std::string first_column;  // the first that may be written at all (not an identity id)
};

// Refused for lack of privilege, or (a view computed with an aggregate) because the view
// cannot be written by anyone: either way nothing changes.
#define EXPECT_NOT_WRITABLE(connection, relation, sql)                                           \
  do {                                                                                           \
    const store::PostgresError certacl_error = refusal_of((connection), (sql));                  \
    const bool view_not_updatable = !(relation).is_table && certacl_error.sqlstate() == "55000"; \
    EXPECT_TRUE(certacl_error.sqlstate() == store::kSqlStateInsufficientPrivilege ||             \
                view_not_updatable)                                                              \
        << (sql) << " -> " << certacl_error.sqlstate() << " " << certacl_error.what();           \
  } while (false)

std::vector<Relation> certacl_relations(PostgresConnection& admin) {
  const store::PostgresResult rows = admin.exec(
      "SELECT c.relname, c.relkind = 'r', "
      "(SELECT attname FROM pg_attribute WHERE attrelid = c.oid AND attnum > 0 AND "
      " NOT attisdropped AND attidentity = '' AND attname <> 'id' ORDER BY attnum LIMIT 1) "
      "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
      "WHERE n.nspname = 'certacl' AND c.relkind IN ('r', 'v') ORDER BY c.relname");
  std::vector<Relation> relations;
  relations.reserve(static_cast<std::size_t>(rows.rows()));
  for (int row = 0; row < rows.rows(); ++row) {
    relations.push_back(
        {std::string(rows.text(row, 0)), rows.boolean(row, 1), std::string(rows.text(row, 2))});
  }
  return relations;
}

class PostgresGrants : public ::testing::Test {
 protected:
  void SetUp() override {
    store::PostgresStore writer(world_.ca);
    world_.seed(writer, 3);
    writer.append_audit({"test", "note", std::nullopt, std::nullopt, "seeded"});
  }
  PostgresWorld world_;
};

TEST_F(PostgresGrants, BrokerRoleCannotInsertUpdateDeleteOrTruncateAnyRelation) {
  PostgresConnection admin(world_.admin);
  const std::vector<Relation> relations = certacl_relations(admin);
  ASSERT_GE(relations.size(), 14U) << "tables and views of migration 1";
  const std::string counter_before =
      admin.exec("SELECT change_counter FROM certacl.state").optional_text(0, 0).value_or("");

  PostgresConnection broker(world_.broker);
  for (const Relation& relation : relations) {
    const std::string name = "certacl." + relation.name;
    EXPECT_NOT_WRITABLE(broker, relation, "INSERT INTO " + name + " DEFAULT VALUES");
    EXPECT_NOT_WRITABLE(
        broker, relation,
        "UPDATE " + name + " SET " + relation.first_column + " = " + relation.first_column);
    EXPECT_NOT_WRITABLE(broker, relation, "DELETE FROM " + name);
    if (relation.is_table) EXPECT_NO_PRIVILEGE(broker, "TRUNCATE " + name);
  }
  EXPECT_EQ(admin.exec("SELECT change_counter FROM certacl.state").optional_text(0, 0),
            counter_before);
  EXPECT_EQ(admin.exec("SELECT count(*) FROM certacl.devices").int64(0, 0), 3);
}

TEST_F(PostgresGrants, BrokerRoleCannotCreateAlterOrReadPrivateTables) {
  PostgresConnection broker(world_.broker);
  EXPECT_NO_PRIVILEGE(broker, "CREATE TABLE certacl.planted (x int)");
  EXPECT_NO_PRIVILEGE(broker, "CREATE TABLE public.planted (x int)");
  EXPECT_NO_PRIVILEGE(broker, "CREATE SCHEMA planted");
  EXPECT_NO_PRIVILEGE(broker, "ALTER TABLE certacl.devices DISABLE TRIGGER ALL");
  EXPECT_NO_PRIVILEGE(broker, "DROP VIEW certacl.broker_devices");
  // Only the views: not the certificates' PEM, the CA row, the audit log or the tables.
  EXPECT_NO_PRIVILEGE(broker, "SELECT certificate_pem FROM certacl.certificates");
  EXPECT_NO_PRIVILEGE(broker, "SELECT * FROM certacl.ca");
  EXPECT_NO_PRIVILEGE(broker, "SELECT * FROM certacl.audit_log");
  EXPECT_NO_PRIVILEGE(broker, "SELECT * FROM certacl.devices");
}

TEST_F(PostgresGrants, BrokerRoleReadsTheWholeRegistryThroughItsViews) {
  store::PostgresRegistryReader reader(world_.broker);
  const RegistryContents contents = reader.load_registry();
  EXPECT_EQ(contents.devices.size(), 3U);
  EXPECT_EQ(contents.rules.size(), 2U);
  EXPECT_EQ(contents.device_certificates.size(), 3U);
  EXPECT_GT(contents.change_counter, 0);
}

TEST_F(PostgresGrants, CaRoleCannotForgeTheCounterRewriteCertificatesOrDropTriggers) {
  PostgresConnection ca(world_.ca);
  EXPECT_NO_PRIVILEGE(ca, "UPDATE certacl.state SET change_counter = 0");
  EXPECT_NO_PRIVILEGE(ca,
                      "INSERT INTO certacl.change_log (counter, entity, key) "
                      "VALUES (999999, 'device', 'ghost')");
  EXPECT_NO_PRIVILEGE(ca, "DELETE FROM certacl.change_log");
  EXPECT_NO_PRIVILEGE(ca, "UPDATE certacl.certificates SET subject = 'CN=other'");
  EXPECT_NO_PRIVILEGE(ca, "UPDATE certacl.certificates SET device = NULL");
  EXPECT_NO_PRIVILEGE(ca, "DELETE FROM certacl.certificates");
  EXPECT_NO_PRIVILEGE(ca, "TRUNCATE certacl.devices");
  EXPECT_NO_PRIVILEGE(ca, "ALTER TABLE certacl.devices DISABLE TRIGGER devices_changed");
  EXPECT_NO_PRIVILEGE(ca, "DROP TRIGGER audit_log_append_only ON certacl.audit_log");
  EXPECT_NO_PRIVILEGE(ca, "CREATE TABLE certacl.planted (x int)");
}

}  // namespace
}  // namespace certacl::test
