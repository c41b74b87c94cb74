#pragma once
// Thin RAII layer over SQLite: one owner per handle, errors as exceptions that carry the
// database path and SQLite's own message.

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

namespace certacl {

class DatabaseError : public std::runtime_error {
 public:
  DatabaseError(const std::string& message, int sqlite_code)
      : std::runtime_error(message), sqlite_code_(sqlite_code) {}
  [[nodiscard]] int sqlite_code() const noexcept { return sqlite_code_; }
  [[nodiscard]] bool is_busy() const noexcept {
    return (sqlite_code_ & 0xFF) == SQLITE_BUSY || (sqlite_code_ & 0xFF) == SQLITE_LOCKED;
  }

 private:
  int sqlite_code_;
};

// Prepared statements a connection keeps for reuse. Compiling SQL against the registry's
// schema costs more than running it (about 0.1 ms of each EST enrollment went to
// preparing its eight statements again); a finished Statement is reset and kept here,
// and the next prepare of the same text takes it. Not thread-safe, like the connection.
class StatementCache {
 public:
  StatementCache() = default;
  ~StatementCache();
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;

  // An idle statement compiled from exactly `sql`, or null.
  sqlite3_stmt* take(std::string_view sql) noexcept;
  // Resets `statement` and keeps it (finalizes it when kMaxIdle are kept already).
  void give_back(sqlite3_stmt* statement) noexcept;

 private:
  static constexpr std::size_t kMaxIdle = 64;
  std::unordered_multimap<std::string, sqlite3_stmt*> idle_;
};

class Statement {
 public:
  // Compiles `sql` for `db`; with a cache, reuses an idle statement of the same text and
  // gives itself back when destroyed.
  Statement(sqlite3* db, std::string_view sql,
            const std::shared_ptr<StatementCache>& cache = nullptr);
  Statement(Statement&&) noexcept = default;
  Statement& operator=(Statement&&) noexcept = default;

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::string_view value);
  Statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
  Statement& bind(int index, const std::string& value) {
    return bind(index, std::string_view(value));
  }
  Statement& bind(int index, const std::optional<std::string>& value);
  Statement& bind(int index, std::optional<std::int64_t> value);
  Statement& bind_null(int index);

  // Advances to the next row: true while a row is available, false when done.
  bool step();
  // Runs a statement that returns no rows.
  void run();
  void reset();

  [[nodiscard]] bool column_is_null(int index) const;
  [[nodiscard]] std::int64_t column_int64(int index) const;
  [[nodiscard]] std::string column_text(int index) const;
  [[nodiscard]] std::optional<std::string> column_optional_text(int index) const;
  [[nodiscard]] std::optional<std::int64_t> column_optional_int64(int index) const;

 private:
  // Gives the statement back to its connection's cache while that exists, else finalizes.
  struct Finalizer {
    std::weak_ptr<StatementCache> cache;
    void operator()(sqlite3_stmt* statement) const noexcept;
  };
  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, Finalizer> statement_;
  [[noreturn]] void fail(const char* what, int code) const;
};

class SqliteDatabase {
 public:
  enum class Access { ReadOnly, ReadWrite, ReadWriteCreate };

  // Throws DatabaseError naming the path when the file cannot be opened as asked.
  SqliteDatabase(const std::string& path, Access access);

  // Applies the pragmas a writer needs for crash safety: rollback journal (DELETE),
  // synchronous=EXTRA, foreign keys, and a busy timeout so concurrent CA processes wait
  // instead of failing. docs/DEPLOYMENT.md says why not WAL.
  void configure_as_writer(std::chrono::milliseconds busy_timeout);
  // "delete", or "wal" for a database an older build left in WAL mode.
  [[nodiscard]] std::string journal_mode();
  // A reader never writes; query_only makes that a guarantee, not a convention.
  void configure_as_reader(std::chrono::milliseconds busy_timeout);

  void exec(std::string_view sql);
  Statement prepare(std::string_view sql) { return {handle(), sql, statements_}; }
  [[nodiscard]] std::int64_t query_int64(std::string_view sql);

  [[nodiscard]] sqlite3* handle() const noexcept { return db_.get(); }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  [[nodiscard]] std::int64_t last_insert_rowid() const noexcept;
  [[nodiscard]] int changes() const noexcept;

 private:
  struct Closer {
    void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
  };
  std::string path_;
  std::unique_ptr<sqlite3, Closer> db_;
  // After db_: destroyed first, so the kept statements are finalized before the close.
  std::shared_ptr<StatementCache> statements_ = std::make_shared<StatementCache>();
};

// BEGIN IMMEDIATE on construction (takes the write lock up front, so two writers never
// deadlock upgrading read locks); ROLLBACK on destruction unless commit() ran.
class WriteTransaction {
 public:
  explicit WriteTransaction(SqliteDatabase& db);
  ~WriteTransaction();
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;
  void commit();

 private:
  SqliteDatabase& db_;
  bool finished_ = false;
};

// Read transaction, so a snapshot of several tables is consistent.
class ReadTransaction {
 public:
  explicit ReadTransaction(SqliteDatabase& db);
  ~ReadTransaction();
  ReadTransaction(const ReadTransaction&) = delete;
  ReadTransaction& operator=(const ReadTransaction&) = delete;

 private:
  SqliteDatabase& db_;
};

}  // namespace certacl
