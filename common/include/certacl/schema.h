#pragma once
// The database schema is the contract between certacl-ca (the only writer) and the broker
// plugin (a reader). It is versioned with PRAGMA user_version; docs/SCHEMA.md describes it.

#include "certacl/sqlite.h"

namespace certacl {

inline constexpr int kSchemaVersion = 6;
// The version whose migration added the change log (issue 13); a registry below it has none.
inline constexpr int kChangeLogSchemaVersion = 6;

// The change log keeps the rows of the last this many changes, on SQLite and on PostgreSQL
// (common/sql/postgres/003_change_log_retention.sql): the writer prunes older ones in its own
// transaction, and a broker further behind reads the whole registry (docs/SCALING.md).
inline constexpr long long kChangeLogRetention = 10000;

// Creates or upgrades the schema in one write transaction. Refuses a database whose
// version is newer than this build knows, or that is not a certacl database at all.
void apply_migrations(SqliteDatabase& db);

// Returns the schema version of an open database (0 for an empty file).
[[nodiscard]] int read_schema_version(SqliteDatabase& db);

// For readers: throws DatabaseError with a clear message unless the database carries
// exactly the schema this build understands.
void require_current_schema(SqliteDatabase& db);

}  // namespace certacl
