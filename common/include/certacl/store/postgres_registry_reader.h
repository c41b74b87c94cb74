#pragma once
// The broker's side of a PostgreSQL registry: reads the whole registry into the same
// RegistryContents the SQLite path produces, LISTENs for changes, and answers "what changed
// after counter N" from the change log, so a broker can apply only those. It reads only the
// certacl.broker_* views, so it works as a member of certacl_broker.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "certacl/registry.h"
#include "certacl/store/postgres_connection.h"

namespace certacl::store {

// The device columns, in the order devices_from_rows() reads them; the broker's view
// (broker_devices) and the CA's table (devices) both have them.
inline constexpr std::string_view kDeviceColumns =
    "name, role, enabled, san_dns, san_uri, created_at, updated_at";
[[nodiscard]] std::vector<Device> devices_from_rows(const PostgresResult& rows);

// The change-log row types are shared with SQLite (certacl/registry.h).
using certacl::ChangedEntity;
using certacl::RegistryChange;

struct ChangeWait {
  // The committed change counter read from the database when the wait ended; the caller
  // asks changes_since(its last counter) when this is larger.
  std::int64_t change_counter = 0;
  // The largest counter announced by NOTIFY during the wait (a hint; see change_counter).
  std::optional<std::int64_t> notified_counter;
  // The connection was lost and re-established (and LISTEN re-issued) during the wait;
  // notifications sent meanwhile are lost, which change_counter makes up for.
  bool reconnected = false;
};

class PostgresRegistryReader {
 public:
  // Connects, checks the schema version, and LISTENs. Throws PostgresError.
  explicit PostgresRegistryReader(PostgresSettings settings);

  // The three reads below reconnect (and LISTEN again) once when they find the connection
  // lost, and retry; a second failure is thrown.

  // The whole registry in one REPEATABLE READ snapshot, so it is self-consistent.
  [[nodiscard]] RegistryContents load_registry();
  // Change-log rows with counter > `after`, oldest first.
  [[nodiscard]] std::vector<RegistryChange> changes_since(std::int64_t after);
  [[nodiscard]] std::int64_t change_counter();
  // The change-log rows after `after` and the rows they name, in one REPEATABLE READ
  // snapshot; nullopt when the log cannot bring `after` to the committed counter (then
  // load_registry). Same contract as SQLite's load_registry_changes.
  [[nodiscard]] std::optional<RegistryChanges> load_changes(std::int64_t after);

  // Waits for a NOTIFY at most `timeout`; the timeout doubles as the poll fallback, since
  // the counter is read either way. A lost connection is re-established within the same
  // timeout; throws PostgresError when the server is still unreachable at the end.
  ChangeWait wait_for_change(std::chrono::milliseconds timeout);

  // For a caller that reads the counter itself (the broker plugin's watcher): waits at most
  // `timeout` for a NOTIFY, or until `wake_fd` (when >= 0) becomes readable, and returns
  // the largest counter announced (a hint: anyone may NOTIFY), nullopt when none was.
  // Neither reads the database nor reconnects: throws PostgresError when the connection is
  // lost, and the caller builds a new reader.
  std::optional<std::int64_t> wait_for_notification(std::chrono::milliseconds timeout, int wake_fd);

  // The connection's socket, for a caller that multiplexes (the broker's tick).
  [[nodiscard]] int socket() const noexcept { return connection_->socket(); }

 private:
  void connect();
  PostgresConnection& connected();
  template <typename Read>
  auto reading(Read&& read);

  PostgresSettings settings_;
  std::optional<PostgresConnection> connection_;
};

}  // namespace certacl::store
