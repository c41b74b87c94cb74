// The schema's version contract on PostgreSQL: applying is idempotent, a newer or missing
// schema is refused with a clear message, and a server that takes no writes is named as such.
#include <gtest/gtest.h>

#include "certacl/store/postgres_registry_reader.h"
#include "certacl/store/postgres_schema.h"
#include "postgres_world.h"

namespace certacl::test {
namespace {

using store::PostgresConnection;

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const std::exception& error) {
    return error.what();
  }
  return "(no error)";
}

class PostgresSchema : public ::testing::Test {
 protected:
  PostgresWorld world_;
};

TEST_F(PostgresSchema, ApplyingAgainChangesNothing) {
  PostgresConnection admin(world_.admin);
  store::apply_postgres_schema(admin);
  EXPECT_EQ(store::read_postgres_schema_version(admin), store::kPostgresSchemaVersion);
  EXPECT_EQ(admin.exec("SELECT count(*) FROM certacl.schema_migrations").int64(0, 0),
            store::kPostgresSchemaVersion);
}

TEST_F(PostgresSchema, ANewerSchemaIsRefusedByEveryone) {
  PostgresConnection admin(world_.admin);
  admin.exec("INSERT INTO certacl.schema_migrations (version) VALUES ($1)",
             {std::to_string(store::kPostgresSchemaVersion + 1)});
  EXPECT_NE(error_of([&] { store::apply_postgres_schema(admin); }).find("upgrade certacl"),
            std::string::npos);
  EXPECT_NE(error_of([&] { store::PostgresStore writer(world_.ca); }).find("this build expects"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              store::PostgresRegistryReader reader(world_.broker);
            }).find("this build expects"),
            std::string::npos);
}

TEST_F(PostgresSchema, ADatabaseWithoutTheSchemaIsNamedAsSuch) {
  world_.server.run_sql("CREATE DATABASE empty", "postgres");
  store::PostgresSettings empty = world_.broker;
  empty.url = world_.server.url("broker_reader", "empty");
  EXPECT_NE(
      error_of([&] { store::PostgresRegistryReader reader(empty); }).find("has no certacl schema"),
      std::string::npos);
}

TEST_F(PostgresSchema, AServerThatTakesNoWritesIsNamedToTheCa) {
  world_.server.run_sql("ALTER DATABASE certacl SET default_transaction_read_only = on");
  store::PostgresStore writer(world_.ca);
  const std::string message = error_of([&] { writer.add_role("sensor", "test"); });
  EXPECT_NE(message.find("accepts no writes"), std::string::npos) << message;
  // Reads still work, so a broker keeps serving from a read-only standby.
  store::PostgresRegistryReader reader(world_.broker);
  EXPECT_TRUE(reader.load_registry().devices.empty());
}

}  // namespace
}  // namespace certacl::test
