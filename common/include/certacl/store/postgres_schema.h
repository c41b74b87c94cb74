#pragma once
// The PostgreSQL schema (common/sql/postgres/*.sql, embedded at build time): versioned in
// certacl.schema_migrations, applied by an administrator, checked by every reader.

#include <string_view>

#include "certacl/store/postgres_connection.h"

namespace certacl::store {

inline constexpr int kPostgresSchemaVersion = 3;

// The channel every registry change is announced on (payload: the new change counter).
inline constexpr std::string_view kChangeChannel = "certacl_changes";

// Creates or upgrades the schema, its roles (certacl_ca, certacl_broker) and grants in one
// transaction, serialized against concurrent callers by an advisory lock. The connected
// role becomes the owner of every object, so it must not be certacl_ca or certacl_broker.
// Refuses a schema newer than this build.
void apply_postgres_schema(PostgresConnection& admin);

// 0 when the database has no certacl schema.
[[nodiscard]] int read_postgres_schema_version(PostgresConnection& connection);

// Throws PostgresError with a clear message unless the schema is exactly this build's.
void require_current_postgres_schema(PostgresConnection& connection);

}  // namespace certacl::store
