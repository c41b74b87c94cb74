#include "ca_database.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <ctime>

#include "ca_error.h"
#include "certacl/schema.h"

namespace certacl::ca {

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
    if (const int version = read_schema_version(db); version > 0 && version < kSchemaVersion) {
      throw CaError(ExitCode::kStorage,
                    fmt::format("database '{}' has schema version {}, this build expects {}: run "
                                "'certacl-ca migrate' first",
                                path, version, kSchemaVersion));
    }
    require_current_schema(db);
    return db;
  } catch (const DatabaseError& error) {
    throw CaError(ExitCode::kStorage, error.what());
  }
}

SqliteDatabase create_database(const std::string& path) {
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
