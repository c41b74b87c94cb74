#include "certacl/sqlite.h"

#include <fmt/format.h>

namespace certacl {

StatementCache::~StatementCache() {
  for (const auto& [sql, statement] : idle_) sqlite3_finalize(statement);
}

sqlite3_stmt* StatementCache::take(std::string_view sql) noexcept {
  try {
    const auto found = idle_.find(std::string(sql));
    if (found == idle_.end()) return nullptr;
    sqlite3_stmt* statement = found->second;
    idle_.erase(found);
    return statement;
  } catch (...) {
    return nullptr;  // no memory for the key: prepare afresh
  }
}

void StatementCache::give_back(sqlite3_stmt* statement) noexcept {
  sqlite3_reset(statement);
  sqlite3_clear_bindings(statement);
  try {
    if (idle_.size() < kMaxIdle) {
      idle_.emplace(sqlite3_sql(statement), statement);
      return;
    }
  } catch (...) {
  }
  sqlite3_finalize(statement);
}

void Statement::Finalizer::operator()(sqlite3_stmt* statement) const noexcept {
  if (const auto kept = cache.lock()) {
    kept->give_back(statement);
  } else {
    sqlite3_finalize(statement);
  }
}

Statement::Statement(sqlite3* db, std::string_view sql,
                     const std::shared_ptr<StatementCache>& cache)
    : db_(db) {
  if (cache) {
    if (sqlite3_stmt* reused = cache->take(sql)) {
      statement_ = {reused, Finalizer{cache}};
      return;
    }
  }
  sqlite3_stmt* raw = nullptr;
  const char* tail = nullptr;
  const int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &raw, &tail);
  // Only a statement compiled from the whole text is found again under that text.
  const bool whole_text = tail == sql.data() + sql.size();
  statement_ = {raw, Finalizer{whole_text ? cache : nullptr}};
  if (rc != SQLITE_OK) fail("prepare", rc);
}

void Statement::fail(const char* what, int code) const {
  const char* sql = statement_ ? sqlite3_sql(statement_.get()) : nullptr;
  throw DatabaseError(fmt::format("database {} failed: {} (in: {})", what, sqlite3_errmsg(db_),
                                  sql != nullptr ? sql : "?"),
                      code);
}

Statement& Statement::bind(int index, std::int64_t value) {
  if (const int rc = sqlite3_bind_int64(statement_.get(), index, value); rc != SQLITE_OK) {
    fail("bind", rc);
  }
  return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
  const int rc = sqlite3_bind_text64(statement_.get(), index, value.data(), value.size(),
                                     SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) fail("bind", rc);
  return *this;
}

Statement& Statement::bind(int index, const std::optional<std::string>& value) {
  return value ? bind(index, std::string_view(*value)) : bind_null(index);
}

Statement& Statement::bind(int index, std::optional<std::int64_t> value) {
  return value ? bind(index, *value) : bind_null(index);
}

Statement& Statement::bind_null(int index) {
  if (const int rc = sqlite3_bind_null(statement_.get(), index); rc != SQLITE_OK) {
    fail("bind", rc);
  }
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(statement_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail("step", sqlite3_extended_errcode(db_));
}

void Statement::run() {
  while (step()) {
  }
}

void Statement::reset() {
  sqlite3_reset(statement_.get());
  sqlite3_clear_bindings(statement_.get());
}

bool Statement::column_is_null(int index) const {
  return sqlite3_column_type(statement_.get(), index) == SQLITE_NULL;
}

std::int64_t Statement::column_int64(int index) const {
  return sqlite3_column_int64(statement_.get(), index);
}

std::string Statement::column_text(int index) const {
  const auto* text = sqlite3_column_text(statement_.get(), index);
  const int bytes = sqlite3_column_bytes(statement_.get(), index);
  if (text == nullptr) return {};
  return {reinterpret_cast<const char*>(text), static_cast<std::size_t>(bytes)};
}

std::optional<std::string> Statement::column_optional_text(int index) const {
  if (column_is_null(index)) return std::nullopt;
  return column_text(index);
}

std::optional<std::int64_t> Statement::column_optional_int64(int index) const {
  if (column_is_null(index)) return std::nullopt;
  return column_int64(index);
}

SqliteDatabase::SqliteDatabase(const std::string& path, Access access) : path_(path) {
  int flags = SQLITE_OPEN_NOMUTEX;
  switch (access) {
    case Access::ReadOnly:
      flags |= SQLITE_OPEN_READONLY;
      break;
    case Access::ReadWrite:
      flags |= SQLITE_OPEN_READWRITE;
      break;
    case Access::ReadWriteCreate:
      flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
      break;
  }
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  db_.reset(raw);
  if (rc != SQLITE_OK) {
    const std::string reason = raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    throw DatabaseError(fmt::format("cannot open database '{}': {}", path, reason), rc);
  }
  sqlite3_extended_result_codes(raw, 1);
}

void SqliteDatabase::configure_as_writer(std::chrono::milliseconds busy_timeout) {
  sqlite3_busy_timeout(handle(), static_cast<int>(busy_timeout.count()));
  // Rollback journal, not WAL: a WAL reader must be able to write the -shm index, and the
  // broker must not be able to write anything the CA relies on (docs/DEPLOYMENT.md).
  try {
    exec("PRAGMA journal_mode=DELETE");
  } catch (const DatabaseError& error) {
    // An older build left the file in WAL mode and another program (an older broker) still
    // has it open; leaving WAL needs the file to itself. Writes still work; the first
    // command that finds it alone switches (journal_mode() tells the caller).
    if (!error.is_busy()) throw;
  }
  // EXTRA, not FULL: with a rollback journal the commit point is the journal's unlink, and
  // only EXTRA syncs the directory after it. Under FULL a power cut soon after COMMIT
  // could bring the journal back and roll a transaction back that was reported done
  // (sqlite.org/pragma.html#pragma_synchronous); a 200 or exit 0 must mean "on disk".
  exec("PRAGMA synchronous=EXTRA");
  exec("PRAGMA foreign_keys=ON");
}

std::string SqliteDatabase::journal_mode() {
  Statement statement = prepare("PRAGMA journal_mode");
  return statement.step() ? statement.column_text(0) : std::string{};
}

void SqliteDatabase::configure_as_reader(std::chrono::milliseconds busy_timeout) {
  sqlite3_busy_timeout(handle(), static_cast<int>(busy_timeout.count()));
  exec("PRAGMA query_only=ON");
}

void SqliteDatabase::exec(std::string_view sql) {
  const std::string statement_text(sql);
  char* error = nullptr;
  const int rc = sqlite3_exec(handle(), statement_text.c_str(), nullptr, nullptr, &error);
  if (rc != SQLITE_OK) {
    const std::string reason = error != nullptr ? error : sqlite3_errstr(rc);
    sqlite3_free(error);
    throw DatabaseError(fmt::format("database '{}': {}", path_, reason),
                        sqlite3_extended_errcode(handle()));
  }
}

std::int64_t SqliteDatabase::query_int64(std::string_view sql) {
  Statement statement = prepare(sql);
  if (!statement.step()) {
    throw DatabaseError(fmt::format("database '{}': query returned no row: {}", path_, sql),
                        SQLITE_ERROR);
  }
  return statement.column_int64(0);
}

std::int64_t SqliteDatabase::last_insert_rowid() const noexcept {
  return sqlite3_last_insert_rowid(handle());
}

int SqliteDatabase::changes() const noexcept {
  return sqlite3_changes(handle());
}

WriteTransaction::WriteTransaction(SqliteDatabase& db) : db_(db) {
  db_.exec("BEGIN IMMEDIATE");
}

WriteTransaction::~WriteTransaction() {
  if (!finished_) {
    try {
      db_.exec("ROLLBACK");
    } catch (const DatabaseError&) {
      // The transaction is already gone (for example the connection failed); nothing to undo.
    }
  }
}

void WriteTransaction::commit() {
  db_.exec("COMMIT");
  finished_ = true;
}

ReadTransaction::ReadTransaction(SqliteDatabase& db) : db_(db) {
  db_.exec("BEGIN DEFERRED");
}

ReadTransaction::~ReadTransaction() {
  try {
    db_.exec("COMMIT");
  } catch (const DatabaseError&) {
    // A read transaction has nothing to lose; the connection reports the error elsewhere.
  }
}

}  // namespace certacl
