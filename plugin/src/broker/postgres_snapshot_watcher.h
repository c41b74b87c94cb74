#pragma once
// The registry watcher for a PostgreSQL registry: pushed, not polled. Its thread holds one
// connection, as a member of certacl_broker, that LISTENs on certacl_changes. A NOTIFY
// wakes it; it reads the committed change counter from broker_state (the payload is only a
// hint: any role may NOTIFY) and, when the counter moved, the change-log rows after the
// counter it holds and the rows they name, in one REPEATABLE READ snapshot, and applies
// them to its last snapshot (the whole registry when the log cannot say: a gap, a pruned
// log, a re-read asked for, a reconnect). It hands the new snapshot over exactly as the
// SQLite watcher does (same checks: the counter never goes back, the CA never changes).
//
// Without a NOTIFY it still reads the counter every `heartbeat`: that proves the connection
// alive, so health() and the stale limit see a silent outage, and it catches a change whose
// notification was lost. A lost connection is retried every `retry`; once back it LISTENs
// again and reads the counter, so changes made while it was away are found by counter (the
// poll fallback). The broker thread never waits on the network; postgres_connect_probe.h
// only waits, briefly, for this thread.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <thread>

#include "certacl/store/postgres_registry_reader.h"
#include "registry_snapshot.h"
#include "registry_watcher.h"
#include "wake_signal.h"

namespace certacl::plugin {

struct PostgresWatchTiming {
  std::chrono::milliseconds heartbeat{5000};
  std::chrono::milliseconds retry{200};
};

// Liveness is only needed within the stale limit: a quarter of it, from 250 ms to 5 s.
// Lost connections are retried every poll interval, but not more than 5 times a second.
[[nodiscard]] PostgresWatchTiming postgres_watch_timing(std::chrono::seconds stale_limit,
                                                        std::chrono::milliseconds poll_interval);

// The first read: connects, checks the schema version, LISTENs, reads the whole registry.
struct PostgresRegistryStart {
  std::unique_ptr<store::PostgresRegistryReader> reader;
  std::shared_ptr<const policy::RegistrySnapshot> snapshot;
};
// Throws (store::PostgresError, or std::runtime_error when the registry read is older than
// `adopted` or of another CA) with a message naming the cause.
[[nodiscard]] PostgresRegistryStart load_postgres_snapshot(
    const store::PostgresSettings& settings, const policy::RegistrySnapshot* adopted = nullptr);

class PostgresSnapshotWatcher final : public RegistryWatcher {
 public:
  // Takes over the reader of `start`, whose snapshot is the one in force.
  PostgresSnapshotWatcher(store::PostgresSettings settings, PostgresRegistryStart start,
                          PostgresWatchTiming timing);
  ~PostgresSnapshotWatcher() override;
  PostgresSnapshotWatcher(const PostgresSnapshotWatcher&) = delete;
  PostgresSnapshotWatcher& operator=(const PostgresSnapshotWatcher&) = delete;

  void request_reread() override;

  // The highest change counter this broker has heard of: raised at once by a NOTIFY, set to
  // the database's own value at every read (so a forged, too high payload lasts one read).
  [[nodiscard]] std::int64_t known_counter() const noexcept {
    return known_counter_.load(std::memory_order_acquire);
  }

  struct CatchUp {
    bool caught_up = false;  // the database was read up to known_counter() in time
    std::shared_ptr<const policy::RegistrySnapshot> pending;  // built, not yet taken
    std::uint64_t reads = 0;  // successful reads so far (to notice that none happen)
  };
  // Waits at most `timeout` for the thread to read what known_counter() announces. Leaves
  // the pending snapshot in its slot: the next callback adopts it.
  [[nodiscard]] CatchUp wait_until_read(std::chrono::milliseconds timeout);
  [[nodiscard]] std::uint64_t reads() const;

 private:
  void run(std::unique_ptr<store::PostgresRegistryReader> reader,
           std::shared_ptr<const policy::RegistrySnapshot> base);
  // `base`: the last snapshot built, replaced by the next one when the counter moved.
  void read_registry(store::PostgresRegistryReader& reader,
                     std::shared_ptr<const policy::RegistrySnapshot>& base, bool reread);

  store::PostgresSettings settings_;
  PostgresWatchTiming timing_;
  WakeSignal wake_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> reread_requested_{false};
  std::atomic<std::int64_t> known_counter_;
  std::condition_variable read_done_;
  std::int64_t read_counter_ = 0;  // guarded by mutex_: the counter of the last read
  std::uint64_t reads_ = 0;        // guarded by mutex_
  std::thread thread_;
};

}  // namespace certacl::plugin
