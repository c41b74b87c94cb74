#pragma once
// Thin RAII layer over libpq: one owner per PGconn and PGresult, errors as exceptions that
// carry the SQLSTATE, text parameters only (no SQL built from values), and a transaction
// guard that rolls back unless committed.

#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace certacl::store {

// SQLSTATEs the store reacts to (PostgreSQL manual, appendix A).
inline constexpr std::string_view kSqlStateSerializationFailure = "40001";
inline constexpr std::string_view kSqlStateDeadlock = "40P01";
inline constexpr std::string_view kSqlStateUniqueViolation = "23505";
inline constexpr std::string_view kSqlStateInsufficientPrivilege = "42501";
inline constexpr std::string_view kSqlStateReadOnlyTransaction = "25006";
inline constexpr std::string_view kSqlStateConnectionFailure = "08006";
inline constexpr std::string_view kSqlStateFeatureNotSupported = "0A000";

class PostgresError : public std::runtime_error {
 public:
  PostgresError(const std::string& message, std::string sqlstate, std::string constraint = {})
      : std::runtime_error(message),
        sqlstate_(std::move(sqlstate)),
        constraint_(std::move(constraint)) {}
  // Empty when the failure is not a server error (connection lost, bad settings).
  [[nodiscard]] const std::string& sqlstate() const noexcept { return sqlstate_; }
  // The violated constraint's name, for integrity errors ("certificates_pkey").
  [[nodiscard]] const std::string& constraint() const noexcept { return constraint_; }
  // The server ended the session (shutdown, restart, crash) or the link broke: a new
  // connection may succeed where this one cannot.
  [[nodiscard]] bool is_connection_lost() const noexcept {
    return sqlstate_.starts_with("08") || sqlstate_.starts_with("57P0");
  }
  // A transaction that failed only because another one ran at the same time.
  [[nodiscard]] bool is_retryable() const noexcept {
    return sqlstate_ == kSqlStateSerializationFailure || sqlstate_ == kSqlStateDeadlock;
  }

 private:
  std::string sqlstate_;
  std::string constraint_;
};

// Where and as whom to connect. The URL never carries a password (it would end up on a
// command line or in a config file): it comes from password_file (the password alone, on
// the first line, file not readable by group or others) or from libpq's PGPASSFILE.
struct PostgresSettings {
  std::string url;  // postgresql://user@host:port/dbname?sslmode=...
  std::optional<std::string> password_file;
  // A file in PGPASSFILE format (host:port:db:user:password lines); without it libpq reads
  // the PGPASSFILE environment variable, then ~/.pgpass.
  std::optional<std::string> passfile;
  std::chrono::seconds connect_timeout{5};
  std::string application_name = "certacl";
};

// True for "postgresql://…" and "postgres://…", the two URL forms libpq accepts.
[[nodiscard]] bool is_postgres_url(std::string_view database) noexcept;

// Reads a password file; throws PostgresError naming the file when it is missing, empty,
// or readable by group or others.
[[nodiscard]] std::string read_password_file(const std::string& path);

// One parameter of a query: text, or SQL NULL.
using SqlParam = std::optional<std::string>;

class PostgresResult {
 public:
  explicit PostgresResult(PGresult* result) noexcept : result_(result) {}
  [[nodiscard]] int rows() const noexcept { return PQntuples(result_.get()); }
  [[nodiscard]] bool is_null(int row, int column) const noexcept {
    return PQgetisnull(result_.get(), row, column) != 0;
  }
  [[nodiscard]] std::string_view text(int row, int column) const noexcept {
    return {PQgetvalue(result_.get(), row, column),
            static_cast<std::size_t>(PQgetlength(result_.get(), row, column))};
  }
  [[nodiscard]] std::optional<std::string> optional_text(int row, int column) const;
  // Throws PostgresError when the column is not an integer (a schema mismatch).
  [[nodiscard]] std::int64_t int64(int row, int column) const;
  [[nodiscard]] std::optional<std::int64_t> optional_int64(int row, int column) const;
  // PostgreSQL's text form of boolean is "t" / "f".
  [[nodiscard]] bool boolean(int row, int column) const noexcept {
    return text(row, column) == "t";
  }
  // The command tag: "COMMIT", "INSERT 0 1", …
  [[nodiscard]] std::string_view command_status() const noexcept {
    return PQcmdStatus(result_.get());
  }

 private:
  struct Clear {
    void operator()(PGresult* result) const noexcept { PQclear(result); }
  };
  std::unique_ptr<PGresult, Clear> result_;
};

class PostgresConnection {
 public:
  // Connects (blocking, bounded by settings.connect_timeout); throws PostgresError with
  // libpq's message, the password never included.
  explicit PostgresConnection(const PostgresSettings& settings);

  // Runs one statement with text parameters $1, $2, …; throws PostgresError on failure.
  PostgresResult exec(std::string_view sql, const std::vector<SqlParam>& params = {});
  // Runs a script of several statements without parameters (migrations).
  void exec_script(std::string_view sql);

  // LISTEN on a channel; notifications are then read with wait_for_notifications.
  void listen(std::string_view channel);
  // Waits until the server sends something, `timeout` passes or `wake_fd` (when >= 0)
  // becomes readable, then returns the payloads of every notification received (possibly
  // none). `wake_fd` is only polled, never read. Throws PostgresError when the connection
  // is lost.
  std::vector<std::string> wait_for_notifications(std::chrono::milliseconds timeout,
                                                  int wake_fd = -1);

  [[nodiscard]] bool is_healthy() const noexcept;
  // The server is a standby in recovery: it answers reads and refuses every write (then
  // with SQLSTATE 25006, kSqlStateReadOnlyTransaction), LISTEN included.
  [[nodiscard]] bool is_hot_standby() const noexcept;
  [[nodiscard]] int socket() const noexcept { return PQsocket(connection_.get()); }
  [[nodiscard]] PGconn* raw() const noexcept { return connection_.get(); }

 private:
  struct Finish {
    void operator()(PGconn* connection) const noexcept { PQfinish(connection); }
  };
  std::unique_ptr<PGconn, Finish> connection_;
  [[noreturn]] void fail(std::string_view what, const PGresult* result) const;
};

// BEGIN on construction, ROLLBACK on destruction unless commit() succeeded.
class PostgresTransaction {
 public:
  enum class Isolation { kReadCommitted, kRepeatableReadReadOnly, kSerializable };
  PostgresTransaction(PostgresConnection& connection, Isolation isolation);
  ~PostgresTransaction();
  PostgresTransaction(const PostgresTransaction&) = delete;
  PostgresTransaction& operator=(const PostgresTransaction&) = delete;
  void commit();

 private:
  PostgresConnection& connection_;
  bool open_ = true;
};

}  // namespace certacl::store
