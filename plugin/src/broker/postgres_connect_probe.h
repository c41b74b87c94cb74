#pragma once
// The connect-time probe for a PostgreSQL registry. The SQLite probe asks the file at every
// connect; here that would be a network round trip on the broker's only thread, per connect,
// and a stall whenever PostgreSQL is slow or gone. Instead every connect compares two numbers
// already in memory: the change counter of the snapshot in force and the counter the
// watcher has heard of by NOTIFY (postgres_snapshot_watcher.h). Equal: the snapshot decides.
// Behind: a change is committed and announced but not yet adopted, so the connect waits for
// the watcher thread to read it (at most `wait`) and must pass the registry it built too;
// that registry can only refuse, as on SQLite (session_table.h). If the watcher does not
// catch up in time (PostgreSQL unreachable) the snapshot decides, the caller logs why, and
// the next connects do not wait again until the watcher has read the database once more.
//
// What stays open: a connect that begins after the CA's COMMIT but before the NOTIFY has
// reached this broker is decided on the snapshot in force (docs/SCALING.md, "The
// revoke -> connect window").

#include <chrono>
#include <cstdint>
#include <optional>

#include "postgres_snapshot_watcher.h"
#include "registry_probe.h"

namespace certacl::plugin {

class PostgresConnectProbe final : public ConnectProbe {
 public:
  static constexpr std::chrono::milliseconds kDefaultWait{100};

  // `watcher` must outlive the probe (PluginState destroys the probe first).
  explicit PostgresConnectProbe(PostgresSnapshotWatcher& watcher,
                                std::chrono::milliseconds wait = kDefaultWait)
      : watcher_(watcher), wait_(wait) {}

  // The whole registry the watcher built after `in_force_counter` (it holds `serial`'s
  // entries among all others), or nullptr. Throws std::runtime_error when the announced
  // change was not read in time.
  [[nodiscard]] std::shared_ptr<const policy::RegistrySnapshot> fresher_for(
      std::string_view serial, std::int64_t in_force_counter, std::int64_t now) override;

 private:
  PostgresSnapshotWatcher& watcher_;
  std::chrono::milliseconds wait_;
  std::optional<std::uint64_t> gave_up_at_reads_;
};

}  // namespace certacl::plugin
