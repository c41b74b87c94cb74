#include "registry_backup.h"

#include <fmt/format.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <memory>
#include <string_view>

#include "atomic_file.h"
#include "audit.h"
#include "ca_database.h"
#include "ca_error.h"
#include "certacl/registry.h"
#include "certacl/schema.h"

namespace certacl::ca {
namespace {

constexpr mode_t kBackupMode = 0640;

bool path_exists(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0;
}

struct BackupFinisher {
  void operator()(sqlite3_backup* backup) const noexcept { sqlite3_backup_finish(backup); }
};
using BackupPtr = std::unique_ptr<sqlite3_backup, BackupFinisher>;

struct SqliteFree {
  void operator()(unsigned char* bytes) const noexcept { sqlite3_free(bytes); }
};

// Copies every page of `source` into `target` in one step: the source is read under one
// read transaction (WAL: writers go on meanwhile), so the copy is one consistent snapshot.
void copy_database(SqliteDatabase& source, SqliteDatabase& target) {
  BackupPtr backup(sqlite3_backup_init(target.handle(), "main", source.handle(), "main"));
  if (!backup) {
    throw CaError(ExitCode::kStorage, fmt::format("cannot copy '{}' to '{}': {}", source.path(),
                                                  target.path(), sqlite3_errmsg(target.handle())));
  }
  // Bounded: the busy timeout of the target already waits inside each step.
  constexpr int kAttempts = 20;
  int result = SQLITE_BUSY;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    result = sqlite3_backup_step(backup.get(), -1);
    if (result != SQLITE_BUSY && result != SQLITE_LOCKED) break;
    sqlite3_sleep(250);
  }
  if (result != SQLITE_DONE) {
    throw CaError(ExitCode::kStorage, fmt::format("cannot copy '{}' to '{}': {}", source.path(),
                                                  target.path(), sqlite3_errstr(result)));
  }
}

std::int64_t counter_of(SqliteDatabase& db) {
  try {
    return read_change_counter(db);
  } catch (const DatabaseError& error) {
    throw CaError(ExitCode::kStorage, error.what());
  }
}

// Opens a backup read-only and checks it is an intact certacl registry of this schema.
SqliteDatabase open_backup(const std::string& path) {
  if (!path_exists(path)) {
    throw CaError(ExitCode::kStorage, fmt::format("backup '{}' does not exist", path));
  }
  try {
    SqliteDatabase backup(path, SqliteDatabase::Access::ReadOnly);
    Statement check = backup.prepare("PRAGMA quick_check");
    if (!check.step() || check.column_text(0) != "ok") {
      throw CaError(ExitCode::kStorage, fmt::format("backup '{}' is damaged", path));
    }
    require_current_schema(backup);
    return backup;
  } catch (const DatabaseError& error) {
    throw CaError(ExitCode::kStorage, fmt::format("backup '{}': {}", path, error.what()));
  }
}

}  // namespace

BackupSummary backup_registry(const std::string& db_path, const std::string& out) {
  if (path_exists(out)) {
    throw CaError(ExitCode::kConflict,
                  fmt::format("'{}' already exists; refusing to overwrite it", out));
  }
  SqliteDatabase live = open_database(db_path);
  AtomicFile file(out, kBackupMode);
  SqliteDatabase copy(":memory:", SqliteDatabase::Access::ReadWriteCreate);
  copy_database(live, copy);
  const BackupSummary summary{counter_of(copy)};
  sqlite3_int64 size = 0;
  const std::unique_ptr<unsigned char, SqliteFree> bytes(
      sqlite3_serialize(copy.handle(), "main", &size, 0));
  if (!bytes) throw CaError(ExitCode::kStorage, "cannot serialize the backup (out of memory)");
  // The copied header still says WAL (file format versions 2 at offsets 18-19); a backup is a
  // single self-contained file, so mark it as a rollback-journal database (versions 1).
  constexpr std::size_t kWriteVersionOffset = 18;
  constexpr std::size_t kReadVersionOffset = 19;
  if (size > 19) {
    bytes.get()[kWriteVersionOffset] = 1;
    bytes.get()[kReadVersionOffset] = 1;
  }
  file.commit(
      std::string_view(reinterpret_cast<const char*>(bytes.get()), static_cast<std::size_t>(size)),
      /*replace=*/false);
  return summary;
}

RestoreSummary restore_registry(const std::string& db_path, const std::string& backup_path,
                                bool force) {
  SqliteDatabase backup = open_backup(backup_path);
  RestoreSummary summary;
  summary.backup_counter = counter_of(backup);
  const bool replacing = path_exists(db_path);
  SqliteDatabase live = replacing ? open_database(db_path) : create_database(db_path);
  if (replacing) summary.previous_counter = counter_of(live);
  if (summary.backup_counter < summary.previous_counter && !force) {
    throw CaError(
        ExitCode::kConflict,
        fmt::format("backup '{}' is older than the registry '{}' (change counter {} < "
                    "{}); give --force to go back in time",
                    backup_path, db_path, summary.backup_counter, summary.previous_counter));
  }
  copy_database(backup, live);
  // A counter the broker plugin has never seen, so it reloads at once instead of keeping a
  // snapshot of the replaced registry.
  summary.counter = std::max(summary.backup_counter, summary.previous_counter) + 1;
  WriteTransaction transaction(live);
  live.prepare("UPDATE certacl_state SET change_counter = ?1 WHERE id = 1")
      .bind(1, summary.counter)
      .run();
  append_audit(
      live, "restore", std::nullopt, std::nullopt,
      fmt::format("from={} backup_counter={} previous_counter={}{}", backup_path,
                  summary.backup_counter, summary.previous_counter, force ? " forced" : ""));
  transaction.commit();
  return summary;
}

}  // namespace certacl::ca
