#include "ca_database.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <ctime>

#include "ca_error.h"
#include "certacl/schema.h"

namespace certacl::ca {
namespace {

// One certificate, one database sync. By default the last connection to close copies the
// WAL into the database and deletes it (two more syncs), and the next certacl-ca process
// then creates a new WAL (two more: its header and the directory). Left in place, the WAL
// is still checkpointed every 1000 pages by whichever commit crosses that size. A commit
// is durable either way: it is synced to the WAL before COMMIT returns.
void keep_wal_on_close(SqliteDatabase& db) {
  sqlite3_db_config(db.handle(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
}

}  // namespace

SqliteDatabase open_database(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    throw CaError(ExitCode::kStorage,
                  fmt::format("database '{}' does not exist (run 'certacl-ca init' first, or "
                              "give --db)",
                              path));
  }
  try {
    SqliteDatabase db(path, SqliteDatabase::Access::ReadWrite);
    db.configure_as_writer(kWriterBusyTimeout);
    keep_wal_on_close(db);
    require_current_schema(db);
    return db;
  } catch (const DatabaseError& error) {
    throw CaError(ExitCode::kStorage, error.what());
  }
}

SqliteDatabase create_database(const std::string& path) {
  // certacl-ca keeps its WAL between runs (keep_wal_on_close). A WAL left behind by a
  // deleted database would be replayed into the new one, resurrecting the old registry.
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0 && ::stat((path + "-wal").c_str(), &info) == 0) {
    throw CaError(ExitCode::kStorage,
                  fmt::format("'{}-wal' belongs to a deleted database; remove it and '{}-shm' "
                              "first, or restore the database",
                              path, path));
  }
  try {
    SqliteDatabase db(path, SqliteDatabase::Access::ReadWriteCreate);
    db.configure_as_writer(kWriterBusyTimeout);
    apply_migrations(db);
    return db;
  } catch (const DatabaseError& error) {
    throw CaError(ExitCode::kStorage, error.what());
  }
}

std::optional<CaRecord> find_ca(SqliteDatabase& db) {
  Statement statement = db.prepare(
      "SELECT name, certificate_pem, key_path, key_encrypted, created_at FROM ca WHERE id = 1");
  if (!statement.step()) return std::nullopt;
  return CaRecord{statement.column_text(0), statement.column_text(1), statement.column_text(2),
                  statement.column_int64(3) != 0, statement.column_int64(4)};
}

CaRecord require_ca(SqliteDatabase& db) {
  auto record = find_ca(db);
  if (!record) {
    throw CaError(ExitCode::kNotFound,
                  fmt::format("database '{}' has no CA yet (run 'certacl-ca init')", db.path()));
  }
  return *record;
}

void insert_ca(SqliteDatabase& db, const CaRecord& record) {
  db.prepare(
        "INSERT INTO ca (id, name, certificate_pem, key_path, key_encrypted, created_at) "
        "VALUES (1, ?1, ?2, ?3, ?4, ?5)")
      .bind(1, record.name)
      .bind(2, record.certificate_pem)
      .bind(3, record.key_path)
      .bind(4, std::int64_t{record.key_encrypted ? 1 : 0})
      .bind(5, record.created_at)
      .run();
}

std::int64_t unix_now() {
  return static_cast<std::int64_t>(std::time(nullptr));
}

}  // namespace certacl::ca
