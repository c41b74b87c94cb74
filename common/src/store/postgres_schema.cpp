#include "certacl/store/postgres_schema.h"

#include <fmt/format.h>

#include "postgres_migrations.h"

namespace certacl::store {
namespace {

// Any constant shared by every certacl migrator; pg_advisory_xact_lock releases at COMMIT.
constexpr std::string_view kMigrationLock = "SELECT pg_advisory_xact_lock(7263657274616300)";

}  // namespace

int read_postgres_schema_version(PostgresConnection& connection) {
  const PostgresResult exists =
      connection.exec("SELECT to_regclass('certacl.broker_schema_version') IS NOT NULL");
  if (!exists.boolean(0, 0)) return 0;
  const PostgresResult version =
      connection.exec("SELECT version FROM certacl.broker_schema_version");
  return static_cast<int>(version.int64(0, 0));
}

void apply_postgres_schema(PostgresConnection& admin) {
  PostgresTransaction transaction(admin, PostgresTransaction::Isolation::kReadCommitted);
  admin.exec(kMigrationLock);
  const int version = read_postgres_schema_version(admin);
  if (version > kPostgresSchemaVersion) {
    throw PostgresError(fmt::format("the PostgreSQL database has certacl schema version {}, "
                                    "newer than this certacl (version {}); upgrade certacl",
                                    version, kPostgresSchemaVersion),
                        "");
  }
  for (int from = version; from < kPostgresSchemaVersion; ++from) {
    admin.exec_script(kPostgresMigrations[static_cast<std::size_t>(from)]);
    admin.exec("INSERT INTO certacl.schema_migrations (version) VALUES ($1)",
               {std::to_string(from + 1)});
  }
  transaction.commit();
}

void require_current_postgres_schema(PostgresConnection& connection) {
  const int version = read_postgres_schema_version(connection);
  if (version == kPostgresSchemaVersion) return;
  if (version == 0) {
    throw PostgresError(
        "the PostgreSQL database has no certacl schema (or this role may not read it); apply "
        "the schema first",
        "");
  }
  throw PostgresError(fmt::format("the PostgreSQL database has certacl schema version {}, this "
                                  "build expects {}",
                                  version, kPostgresSchemaVersion),
                      "");
}

}  // namespace certacl::store
