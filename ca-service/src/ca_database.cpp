#include "ca_database.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "atomic_file.h"
#include "ca_error.h"
#include "certacl/schema.h"

namespace certacl::ca {

namespace {

// No command may write its output over the registry or the CA key (issue 9: enroll
// --key-out <CA key> replaced the key). Registered as soon as the database is open, so
// outputs are refused before anything is signed.
void protect_registry_files(SqliteDatabase& db) {
  protect_from_output(db.path(), "the registry database");
  protect_from_output(db.path() + "-journal", "the registry database's journal");
  if (const auto ca = find_ca(db)) protect_from_output(ca->key_path, "the CA key");
}

// The database holds the registry the broker reads: 0640 whatever the umask, created here
// before SQLite opens it (SQLite would create it with 0644 & ~umask).
void create_database_file(const std::string& path) {
  const int descriptor =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, kDatabaseMode);
  if (descriptor < 0) {
    if (errno == EEXIST) return;  // an existing file keeps its mode; init checks its content
    throw CaError(ExitCode::kStorage,
                  fmt::format("cannot create database '{}': {}", path, std::strerror(errno)));
  }
  const int chmod_result = ::fchmod(descriptor, kDatabaseMode);
  const int error = errno;
  ::close(descriptor);
  if (chmod_result != 0) {
    throw CaError(ExitCode::kStorage,
                  fmt::format("cannot set mode of database '{}': {}", path, std::strerror(error)));
  }
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
    if (const int version = read_schema_version(db); version > 0 && version < kSchemaVersion) {
      throw CaError(ExitCode::kStorage,
                    fmt::format("database '{}' has schema version {}, this build expects {}: run "
                                "'certacl-ca migrate' first",
                                path, version, kSchemaVersion));
    }
    require_current_schema(db);
    protect_registry_files(db);
    if (db.journal_mode() == "wal") {
      fmt::print(stderr,
                 "certacl-ca: warning: database '{}' stays in WAL mode while another program "
                 "(an older broker?) has it open; stop it once so certacl-ca can switch to the "
                 "rollback journal (docs/DEPLOYMENT.md)\n",
                 path);
    }
    return db;
  } catch (const DatabaseError& error) {
    throw CaError(ExitCode::kStorage, error.what());
  }
}

SqliteDatabase create_database(const std::string& path) {
  create_database_file(path);
  try {
    SqliteDatabase db(path, SqliteDatabase::Access::ReadWriteCreate);
    db.configure_as_writer(kWriterBusyTimeout);
    apply_migrations(db);
    protect_registry_files(db);
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
