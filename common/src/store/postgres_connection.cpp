#include "certacl/store/postgres_connection.h"

#include <fmt/format.h>
#include <poll.h>
#include <sys/stat.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <fstream>

namespace certacl::store {
namespace {

using Clock = std::chrono::steady_clock;

struct ConninfoOptionsFree {
  void operator()(PQconninfoOption* options) const noexcept { PQconninfoFree(options); }
};

// A password inside the URL would sit in argv, shell history and config files.
void refuse_password_in_url(const std::string& url) {
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, ConninfoOptionsFree> options(
      PQconninfoParse(url.c_str(), &error));
  if (!options) {
    const std::string message = error != nullptr ? error : "out of memory";
    PQfreemem(error);
    throw PostgresError(fmt::format("invalid PostgreSQL URL: {}", message), "");
  }
  for (const PQconninfoOption* option = options.get(); option->keyword != nullptr; ++option) {
    if (std::string_view(option->keyword) == "password" && option->val != nullptr &&
        option->val[0] != '\0') {
      throw PostgresError(
          "the PostgreSQL URL carries a password; put it in a password file or PGPASSFILE "
          "instead",
          "");
    }
  }
}

void ignore_notice(void* /*unused*/, const char* /*message*/) {}

std::string first_line(const std::string& text) {
  const std::size_t end = text.find_first_of("\r\n");
  return end == std::string::npos ? text : text.substr(0, end);
}

}  // namespace

bool is_postgres_url(std::string_view database) noexcept {
  return database.starts_with("postgresql://") || database.starts_with("postgres://");
}

std::string read_password_file(const std::string& path) {
  struct stat info {};
  if (stat(path.c_str(), &info) != 0) {
    throw PostgresError(fmt::format("cannot read password file '{}'", path), "");
  }
  if ((info.st_mode & 077) != 0) {
    throw PostgresError(
        fmt::format("password file '{}' is readable by group or others (mode {:o}); chmod 600",
                    path, info.st_mode & 07777),
        "");
  }
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  line = first_line(line);
  if (!in && line.empty()) {
    throw PostgresError(fmt::format("cannot read password file '{}'", path), "");
  }
  if (line.empty()) throw PostgresError(fmt::format("password file '{}' is empty", path), "");
  return line;
}

std::optional<std::string> PostgresResult::optional_text(int row, int column) const {
  if (is_null(row, column)) return std::nullopt;
  return std::string(text(row, column));
}

std::int64_t PostgresResult::int64(int row, int column) const {
  const std::string_view value = text(row, column);
  std::int64_t parsed = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), parsed);
  if (error != std::errc() || end != value.data() + value.size()) {
    throw PostgresError(
        fmt::format("column {} holds '{}', not an integer", PQfname(result_.get(), column), value),
        "");
  }
  return parsed;
}

std::optional<std::int64_t> PostgresResult::optional_int64(int row, int column) const {
  if (is_null(row, column)) return std::nullopt;
  return int64(row, column);
}

PostgresConnection::PostgresConnection(const PostgresSettings& settings) {
  refuse_password_in_url(settings.url);
  std::optional<std::string> password;
  if (settings.password_file) password = read_password_file(*settings.password_file);
  const std::string timeout = std::to_string(settings.connect_timeout.count());
  std::vector<const char*> keywords = {"dbname", "connect_timeout", "application_name"};
  std::vector<const char*> values = {settings.url.c_str(), timeout.c_str(),
                                     settings.application_name.c_str()};
  if (password) {
    keywords.push_back("password");
    values.push_back(password->c_str());
  }
  if (settings.passfile) {
    keywords.push_back("passfile");
    values.push_back(settings.passfile->c_str());
  }
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  // expand_dbname = 1: the URL in "dbname" is expanded into host, port, user, dbname.
  connection_.reset(PQconnectdbParams(keywords.data(), values.data(), 1));
  if (!connection_) throw PostgresError("cannot allocate a PostgreSQL connection", "");
  if (PQstatus(connection_.get()) != CONNECTION_OK) {
    throw PostgresError(fmt::format("cannot connect to PostgreSQL: {}",
                                    first_line(PQerrorMessage(connection_.get()))),
                        "");
  }
  PQsetNoticeProcessor(connection_.get(), ignore_notice, nullptr);
}

void PostgresConnection::fail(std::string_view what, const PGresult* result) const {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const char* message =
      result != nullptr ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : "";
  if (message == nullptr || message[0] == '\0') message = PQerrorMessage(connection_.get());
  const char* constraint =
      result != nullptr ? PQresultErrorField(result, PG_DIAG_CONSTRAINT_NAME) : nullptr;
  // No SQLSTATE means libpq itself failed, which is the link to the server (a FATAL sent
  // by a server shutting down arrives this way too): report it as connection_failure.
  std::string sqlstate = state != nullptr ? state : std::string(kSqlStateConnectionFailure);
  // A hot standby refuses BEGIN ... SERIALIZABLE as feature_not_supported before any write
  // is tried; the reason is the same as for a write there, so callers see one SQLSTATE.
  if (sqlstate == kSqlStateFeatureNotSupported && is_hot_standby()) {
    sqlstate = kSqlStateReadOnlyTransaction;
  }
  throw PostgresError(fmt::format("{}: {}", what, first_line(message)), std::move(sqlstate),
                      constraint != nullptr ? constraint : "");
}

PostgresResult PostgresConnection::exec(std::string_view sql, const std::vector<SqlParam>& params) {
  const std::string statement(sql);
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const SqlParam& param : params) values.push_back(param ? param->c_str() : nullptr);
  PGresult* raw =
      PQexecParams(connection_.get(), statement.c_str(), static_cast<int>(values.size()), nullptr,
                   values.data(), nullptr, nullptr, 0);
  PostgresResult result(raw);
  const ExecStatusType status = PQresultStatus(raw);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail("query failed", raw);
  return result;
}

void PostgresConnection::exec_script(std::string_view sql) {
  const std::string script(sql);
  PGresult* raw = PQexec(connection_.get(), script.c_str());
  const PostgresResult result(raw);
  const ExecStatusType status = PQresultStatus(raw);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail("script failed", raw);
}

void PostgresConnection::listen(std::string_view channel) {
  if (is_hot_standby()) {
    // The server would say "cannot execute LISTEN during recovery"; say what to change.
    throw PostgresError(
        "the PostgreSQL server is a standby, where LISTEN is impossible; point the broker at "
        "the primary (with several hosts in the URL, add target_session_attrs=read-write)",
        std::string(kSqlStateReadOnlyTransaction));
  }
  const std::unique_ptr<char, decltype(&PQfreemem)> quoted(
      PQescapeIdentifier(connection_.get(), channel.data(), channel.size()), &PQfreemem);
  if (!quoted) fail("cannot quote channel name", nullptr);
  exec(fmt::format("LISTEN {}", quoted.get()));
}

std::vector<std::string> PostgresConnection::wait_for_notifications(
    std::chrono::milliseconds timeout, int wake_fd) {
  std::vector<std::string> payloads;
  const auto drain = [&] {
    while (PGnotify* notification = PQnotifies(connection_.get())) {
      payloads.emplace_back(notification->extra);
      PQfreemem(notification);
    }
  };
  drain();
  const auto deadline = Clock::now() + timeout;
  while (payloads.empty()) {
    const auto remaining =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (remaining <= 0) break;
    std::array<pollfd, 2> descriptors{pollfd{socket(), POLLIN, 0}, pollfd{wake_fd, POLLIN, 0}};
    if (descriptors[0].fd < 0) fail("connection lost", nullptr);
    const nfds_t watched = wake_fd >= 0 ? 2 : 1;
    const int ready = poll(descriptors.data(), watched, static_cast<int>(remaining));
    if (ready < 0 && errno != EINTR) fail("poll on the PostgreSQL connection failed", nullptr);
    if (ready <= 0) continue;
    if (watched == 2 && descriptors[1].revents != 0) break;  // the caller was woken
    if (descriptors[0].revents == 0) continue;
    // A server shutting down sends an error and closes; both end here as a lost connection.
    if (PQconsumeInput(connection_.get()) == 0 || PQstatus(connection_.get()) == CONNECTION_BAD) {
      fail("connection lost", nullptr);
    }
    drain();
  }
  return payloads;
}

bool PostgresConnection::is_hot_standby() const noexcept {
  // Reported by servers from PostgreSQL 14 on, at login and whenever it changes (promotion).
  const char* value = PQparameterStatus(connection_.get(), "in_hot_standby");
  return value != nullptr && std::string_view(value) == "on";
}

bool PostgresConnection::is_healthy() const noexcept {
  return PQstatus(connection_.get()) == CONNECTION_OK;
}

namespace {
std::string_view begin_statement(PostgresTransaction::Isolation isolation) {
  switch (isolation) {
    case PostgresTransaction::Isolation::kReadCommitted:
      return "BEGIN";
    case PostgresTransaction::Isolation::kRepeatableReadReadOnly:
      return "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
    case PostgresTransaction::Isolation::kSerializable:
      return "BEGIN ISOLATION LEVEL SERIALIZABLE";
  }
  return "BEGIN";
}
}  // namespace

PostgresTransaction::PostgresTransaction(PostgresConnection& connection, Isolation isolation)
    : connection_(connection) {
  connection_.exec(begin_statement(isolation));
}

PostgresTransaction::~PostgresTransaction() {
  if (!open_) return;
  try {
    connection_.exec("ROLLBACK");
  } catch (const PostgresError&) {
    // The connection is gone; the server rolls back on its side.
  }
}

void PostgresTransaction::commit() {
  // COMMIT of a transaction that already failed answers "ROLLBACK" without an error.
  const PostgresResult result = connection_.exec("COMMIT");
  open_ = false;
  if (result.command_status() != "COMMIT") {
    throw PostgresError("the transaction was rolled back by the server", "");
  }
}

}  // namespace certacl::store
