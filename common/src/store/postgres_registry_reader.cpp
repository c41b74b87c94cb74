#include "certacl/store/postgres_registry_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <thread>

#include "certacl/certificate_facts.h"
#include "certacl/openssl_handles.h"
#include "certacl/store/postgres_schema.h"

namespace certacl::store {
namespace {

using Clock = std::chrono::steady_clock;

// Between two attempts to reach a restarted or failed-over server.
constexpr std::chrono::milliseconds kReconnectPause{100};

[[noreturn]] void schema_mismatch(std::string_view what, std::string_view value) {
  throw PostgresError(fmt::format("{} '{}' is not one certacl knows", what, value), "");
}

// A text[] literal for `= ANY($1::text[])`: each element quoted, `"` and `\\` escaped.
std::string text_array(const std::vector<std::string>& names) {
  std::string literal = "{";
  for (const std::string& name : names) {
    if (literal.size() > 1) literal += ',';
    literal += '"';
    for (const char c : name) {
      if (c == '"' || c == '\\') literal += '\\';
      literal += c;
    }
    literal += '"';
  }
  literal += '}';
  return literal;
}

// `select`, restricted to the rows whose `column` is one of `only` (the names the change log
// gives) unless `only` is nullptr, in `order`.
PostgresResult select_rows(PostgresConnection& connection, std::string_view select,
                           std::string_view column, std::string_view order,
                           const std::vector<std::string>* only) {
  if (only == nullptr) return connection.exec(fmt::format("{} ORDER BY {}", select, order));
  return connection.exec(
      fmt::format("{} WHERE {} = ANY($1::text[]) ORDER BY {}", select, column, order),
      {text_array(*only)});
}

std::vector<Device> read_devices(PostgresConnection& connection,
                                 const std::vector<std::string>* only = nullptr) {
  return devices_from_rows(
      select_rows(connection, fmt::format("SELECT {} FROM certacl.broker_devices", kDeviceColumns),
                  "name", "name", only));
}

std::vector<Role> read_roles(PostgresConnection& connection,
                             const std::vector<std::string>* only = nullptr) {
  const PostgresResult rows = select_rows(
      connection, "SELECT name, client_id_rule FROM certacl.broker_roles", "name", "name", only);
  std::vector<Role> roles;
  roles.reserve(static_cast<std::size_t>(rows.rows()));
  for (int row = 0; row < rows.rows(); ++row) {
    const auto rule = parse_role_client_id_rule(rows.text(row, 1));
    if (!rule) schema_mismatch("client-id rule", rows.text(row, 1));
    roles.push_back(Role{std::string(rows.text(row, 0)), *rule});
  }
  return roles;
}

std::vector<RoleRule> read_rules(PostgresConnection& connection,
                                 const std::vector<std::string>* only = nullptr) {
  const PostgresResult rows =
      select_rows(connection, "SELECT role, effect, action, pattern FROM certacl.broker_role_rules",
                  "role", "role, id", only);
  std::vector<RoleRule> rules;
  rules.reserve(static_cast<std::size_t>(rows.rows()));
  for (int row = 0; row < rows.rows(); ++row) {
    const auto effect = parse_rule_effect(rows.text(row, 1));
    const auto action = parse_rule_action(rows.text(row, 2));
    if (!effect) schema_mismatch("rule effect", rows.text(row, 1));
    if (!action) schema_mismatch("rule action", rows.text(row, 2));
    rules.push_back(
        RoleRule{std::string(rows.text(row, 0)), *effect, *action, std::string(rows.text(row, 3))});
  }
  return rules;
}

std::vector<CertificateRecord> read_device_certificates(
    PostgresConnection& connection, const std::vector<std::string>* only_devices = nullptr) {
  const PostgresResult rows = select_rows(
      connection,
      "SELECT serial, kind, device, subject, issuer, not_before, not_after, sha256, issued_at, "
      "revoked_at, revocation_reason FROM certacl.broker_device_certificates",
      "device", "issued_at, serial", only_devices);
  std::vector<CertificateRecord> certificates;
  certificates.reserve(static_cast<std::size_t>(rows.rows()));
  for (int row = 0; row < rows.rows(); ++row) {
    const auto kind = parse_certificate_kind(rows.text(row, 1));
    if (!kind) schema_mismatch("certificate kind", rows.text(row, 1));
    certificates.push_back(CertificateRecord{
        std::string(rows.text(row, 0)), *kind, rows.optional_text(row, 2),
        std::string(rows.text(row, 3)), std::string(rows.text(row, 4)), rows.int64(row, 5),
        rows.int64(row, 6), std::string(rows.text(row, 7)), rows.int64(row, 8),
        rows.optional_int64(row, 9), rows.optional_int64(row, 10)});
  }
  return certificates;
}

// "" before the CA row exists, as on SQLite (read_ca_certificate_sha256).
std::string read_ca_fingerprint(PostgresConnection& connection) {
  const PostgresResult rows = connection.exec("SELECT certificate_pem FROM certacl.broker_ca");
  if (rows.rows() == 0) return {};
  const X509Ptr certificate = parse_certificate_pem(rows.text(0, 0));
  if (!certificate) {
    take_openssl_errors();
    throw PostgresError("the CA certificate stored in the registry is unreadable", "");
  }
  return sha256_fingerprint(certificate.get());
}

ChangedEntity parse_entity(std::string_view text) {
  const std::optional<ChangedEntity> entity = parse_changed_entity(text);
  if (!entity) schema_mismatch("change-log entity", text);
  return *entity;
}

std::vector<RegistryChange> read_changes(PostgresConnection& connection, std::int64_t after) {
  const PostgresResult rows = connection.exec(
      "SELECT counter, entity, key, device FROM certacl.broker_changes "
      "WHERE counter > $1 ORDER BY counter",
      {std::to_string(after)});
  std::vector<RegistryChange> changes;
  changes.reserve(static_cast<std::size_t>(rows.rows()));
  for (int row = 0; row < rows.rows(); ++row) {
    changes.push_back(RegistryChange{rows.int64(row, 0), parse_entity(rows.text(row, 1)),
                                     std::string(rows.text(row, 2)), rows.optional_text(row, 3)});
  }
  return changes;
}

// Payloads that are not counters (anyone may NOTIFY the channel) are ignored.
std::optional<std::int64_t> largest_counter(const std::vector<std::string>& payloads) {
  std::optional<std::int64_t> largest;
  for (const std::string& payload : payloads) {
    std::int64_t value = 0;
    const auto [end, error] =
        std::from_chars(payload.data(), payload.data() + payload.size(), value);
    if (error != std::errc() || end != payload.data() + payload.size()) continue;
    largest = std::max(largest.value_or(value), value);
  }
  return largest;
}

}  // namespace

std::vector<Device> devices_from_rows(const PostgresResult& rows) {
  std::vector<Device> devices;
  devices.reserve(static_cast<std::size_t>(rows.rows()));
  for (int row = 0; row < rows.rows(); ++row) {
    devices.push_back(Device{std::string(rows.text(row, 0)), std::string(rows.text(row, 1)),
                             rows.boolean(row, 2), rows.optional_text(row, 3),
                             rows.optional_text(row, 4), rows.int64(row, 5), rows.int64(row, 6)});
  }
  return devices;
}

PostgresRegistryReader::PostgresRegistryReader(PostgresSettings settings)
    : settings_(std::move(settings)) {
  connect();
}

void PostgresRegistryReader::connect() {
  connection_.reset();
  connection_.emplace(settings_);
  require_current_postgres_schema(*connection_);
  // LISTEN before the caller reads anything: a change committed after this point is
  // either in what it reads next or announced to it.
  connection_->listen(kChangeChannel);
}

PostgresConnection& PostgresRegistryReader::connected() {
  if (!connection_ || !connection_->is_healthy()) connect();
  return *connection_;
}

template <typename Read>
auto PostgresRegistryReader::reading(Read&& read) {
  try {
    return read(connected());
  } catch (const PostgresError& error) {
    // A restarted server: a read is idempotent, so one retry on a new connection is safe.
    if (!error.is_connection_lost()) throw;
    connect();
    return read(*connection_);
  }
}

RegistryContents PostgresRegistryReader::load_registry() {
  return reading([](PostgresConnection& connection) {
    PostgresTransaction transaction(connection,
                                    PostgresTransaction::Isolation::kRepeatableReadReadOnly);
    RegistryContents contents;
    contents.change_counter =
        connection.exec("SELECT change_counter FROM certacl.broker_state").int64(0, 0);
    contents.ca_certificate_sha256 = read_ca_fingerprint(connection);
    contents.devices = read_devices(connection);
    contents.roles = read_roles(connection);
    contents.rules = read_rules(connection);
    contents.device_certificates = read_device_certificates(connection);
    transaction.commit();
    return contents;
  });
}

std::int64_t PostgresRegistryReader::change_counter() {
  return reading([](PostgresConnection& connection) {
    return connection.exec("SELECT change_counter FROM certacl.broker_state").int64(0, 0);
  });
}

std::vector<RegistryChange> PostgresRegistryReader::changes_since(std::int64_t after) {
  return reading(
      [after](PostgresConnection& connection) { return read_changes(connection, after); });
}

std::optional<RegistryChanges> PostgresRegistryReader::load_changes(std::int64_t after) {
  return reading([after](PostgresConnection& connection) -> std::optional<RegistryChanges> {
    PostgresTransaction transaction(connection,
                                    PostgresTransaction::Isolation::kRepeatableReadReadOnly);
    RegistryChanges changes;
    changes.after = after;
    changes.change_counter =
        connection.exec("SELECT change_counter FROM certacl.broker_state").int64(0, 0);
    changes.ca_certificate_sha256 = read_ca_fingerprint(connection);
    std::optional<ChangedNames> names =
        changed_names(after, changes.change_counter, read_changes(connection, after));
    if (!names) return std::nullopt;
    if (!names->devices.empty()) {
      changes.devices = read_devices(connection, &names->devices);
      changes.device_certificates = read_device_certificates(connection, &names->devices);
    }
    if (!names->roles.empty()) {
      changes.roles = read_roles(connection, &names->roles);
      changes.rules = read_rules(connection, &names->roles);
    }
    changes.names = std::move(*names);
    transaction.commit();
    return changes;
  });
}

std::optional<std::int64_t> PostgresRegistryReader::wait_for_notification(
    std::chrono::milliseconds timeout, int wake_fd) {
  if (!connection_ || !connection_->is_healthy()) {
    throw PostgresError("connection lost", std::string(kSqlStateConnectionFailure));
  }
  return largest_counter(connection_->wait_for_notifications(timeout, wake_fd));
}

ChangeWait PostgresRegistryReader::wait_for_change(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  ChangeWait wait;
  wait.reconnected = !connection_ || !connection_->is_healthy();  // connected() will redo it
  try {
    wait.notified_counter = largest_counter(connected().wait_for_notifications(timeout));
  } catch (const PostgresError&) {
    // Keep trying until the deadline; the last failure is what the caller sees.
    for (;;) {
      try {
        connect();
        wait.reconnected = true;
        break;
      } catch (const PostgresError& failure) {
        if (Clock::now() + kReconnectPause >= deadline) {
          throw PostgresError(
              fmt::format("PostgreSQL unreachable after a lost connection: {}", failure.what()),
              failure.sqlstate());
        }
        std::this_thread::sleep_for(kReconnectPause);
      }
    }
  }
  wait.change_counter = change_counter();
  return wait;
}

}  // namespace certacl::store
