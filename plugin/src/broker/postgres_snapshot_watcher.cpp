#include "postgres_snapshot_watcher.h"

#include <algorithm>
#include <exception>
#include <stdexcept>
#include <utility>

#include "registry_acceptance.h"

namespace certacl::plugin {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Throws unless `candidate` may replace `adopted` (monotonic counter, same CA).
void require_adoptable(const policy::RegistryVersion& adopted,
                       const policy::RegistryVersion& candidate) {
  if (std::string problem = policy::registry_adoption_problem(adopted, candidate);
      !problem.empty()) {
    throw std::runtime_error(problem);
  }
}

}  // namespace

PostgresWatchTiming postgres_watch_timing(std::chrono::seconds stale_limit,
                                          milliseconds poll_interval) {
  PostgresWatchTiming timing;
  timing.heartbeat =
      std::clamp<milliseconds>(std::chrono::duration_cast<milliseconds>(stale_limit) / 4,
                               milliseconds(250), milliseconds(5000));
  timing.retry = std::max(poll_interval, milliseconds(200));
  return timing;
}

PostgresRegistryStart load_postgres_snapshot(const store::PostgresSettings& settings,
                                             const policy::RegistrySnapshot* adopted) {
  PostgresRegistryStart start;
  start.reader = std::make_unique<store::PostgresRegistryReader>(settings);
  RegistryContents contents = start.reader->load_registry();
  if (adopted != nullptr) {
    require_adoptable(version_of(*adopted),
                      {contents.change_counter, contents.ca_certificate_sha256});
  }
  start.snapshot = build_from_whole_read(std::move(contents), adopted);
  return start;
}

PostgresSnapshotWatcher::PostgresSnapshotWatcher(store::PostgresSettings settings,
                                                 PostgresRegistryStart start,
                                                 PostgresWatchTiming timing)
    : RegistryWatcher(start.snapshot->loaded_at()),
      settings_(std::move(settings)),
      timing_(timing),
      known_counter_(start.snapshot->change_counter()),
      read_counter_(start.snapshot->change_counter()) {
  thread_ = std::thread(
      [this, reader = std::move(start.reader), base = std::move(start.snapshot)]() mutable {
        run(std::move(reader), std::move(base));
      });
}

PostgresSnapshotWatcher::~PostgresSnapshotWatcher() {
  stopping_.store(true);
  wake_.raise();
  if (thread_.joinable()) thread_.join();
}

void PostgresSnapshotWatcher::request_reread() {
  reread_requested_.store(true);
  wake_.raise();
}

PostgresSnapshotWatcher::CatchUp PostgresSnapshotWatcher::wait_until_read(milliseconds timeout) {
  std::unique_lock lock(mutex_);
  CatchUp result;
  result.caught_up = read_done_.wait_for(lock, timeout, [this] {
    return read_counter_ >= known_counter_.load(std::memory_order_acquire);
  });
  result.pending = pending_locked();
  result.reads = reads_;
  return result;
}

std::uint64_t PostgresSnapshotWatcher::reads() const {
  std::lock_guard lock(mutex_);
  return reads_;
}

void PostgresSnapshotWatcher::read_registry(store::PostgresRegistryReader& reader,
                                            std::shared_ptr<const policy::RegistrySnapshot>& base,
                                            bool reread) {
  const std::int64_t counter = reader.change_counter();
  std::shared_ptr<const policy::RegistrySnapshot> fresh;
  if (counter != base->change_counter() || reread) {
    // The counter is checked before the log is read: a lower one (a restored database) is
    // refused whatever its log says.
    require_adoptable(version_of(*base), {counter, base->ca_certificate_sha256()});
    fresh =
        next_snapshot(*base, reread ? std::nullopt : reader.load_changes(base->change_counter()),
                      [&reader] { return reader.load_registry(); });
    // A lower counter or another CA is refused like an unreadable registry: the last good
    // snapshot stays, and the stale limit applies until it is fixed.
    require_adoptable(version_of(*base), version_of(*fresh));
    base = fresh;
  }
  const std::int64_t read = fresh ? fresh->change_counter() : counter;
  record_success(std::move(fresh));
  {
    std::lock_guard lock(mutex_);
    read_counter_ = read;
    ++reads_;
    // Set, not raised: a forged payload above the database's counter is forgotten here.
    known_counter_.store(read, std::memory_order_release);
  }
  read_done_.notify_all();
}

void PostgresSnapshotWatcher::run(std::unique_ptr<store::PostgresRegistryReader> reader,
                                  std::shared_ptr<const policy::RegistrySnapshot> base) {
  bool must_read = false;  // the start has just read everything
  bool retried_at_once = false;
  auto next_heartbeat = Clock::now() + timing_.heartbeat;
  while (!stopping_.load()) {
    const bool reread = reread_requested_.exchange(false);
    try {
      bool reconnected = false;
      if (!reader) {
        // NOTIFYs sent while the connection was down are lost: catch up by counter.
        reader = std::make_unique<store::PostgresRegistryReader>(settings_);
        must_read = true;
        reconnected = true;
      }
      if (must_read || reread || Clock::now() >= next_heartbeat) {
        // After a reconnect the counter alone cannot be trusted: a standby promoted after
        // losing commits hands out counters this broker already base, for other changes
        // (docs/SCALING.md, "Faults"). So the whole registry is read once again.
        read_registry(*reader, base, reread || reconnected);
        must_read = false;
        retried_at_once = false;
        next_heartbeat = Clock::now() + timing_.heartbeat;
      }
      const auto until_heartbeat = std::max(
          milliseconds(0), std::chrono::duration_cast<milliseconds>(next_heartbeat - Clock::now()));
      if (const auto notified = reader->wait_for_notification(until_heartbeat, wake_.fd())) {
        if (*notified > known_counter()) known_counter_.store(*notified, std::memory_order_release);
        must_read = true;
      }
      wake_.clear();
    } catch (const std::exception& error) {
      reader.reset();
      if (reread) reread_requested_.store(true);  // still owed after the reconnect
      // A server restart ends the session; the first reconnect is tried at once and only a
      // second failure in a row counts (it is logged, and it ages the registry).
      if (!std::exchange(retried_at_once, true)) continue;
      record_failure(error.what());
      if (!stopping_.load()) wake_.wait(timing_.retry);
      wake_.clear();
    }
  }
}

}  // namespace certacl::plugin
