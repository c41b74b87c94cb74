#pragma once
// What the broker thread needs from a registry watcher, whichever store it reads (SQLite
// file or PostgreSQL): a background thread builds snapshots and leaves the newest in a slot
// that the first callback after it empties (safe_point.h). Failures are recorded, never
// thrown across threads: the last good snapshot stays in force and health() says how old
// the last good read is, which drives the stale limit.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "registry_acceptance.h"
#include "registry_snapshot.h"

namespace certacl::plugin {

class RegistryWatcher {
 public:
  struct Health {
    std::int64_t last_success = 0;  // Unix seconds of the last poll that read the database
    std::uint64_t failures = 0;     // consecutive failed polls
    std::string last_error;         // empty after a success
  };

  virtual ~RegistryWatcher() = default;
  RegistryWatcher(const RegistryWatcher&) = delete;
  RegistryWatcher& operator=(const RegistryWatcher&) = delete;

  // The snapshot built since the last call, or nullptr.
  [[nodiscard]] std::shared_ptr<const policy::RegistrySnapshot> take_new();
  // Lock-free hint that take_new() has something, cheap enough for every ACL check.
  [[nodiscard]] bool has_new() const noexcept { return has_new_.load(std::memory_order_acquire); }
  // Re-reads the whole registry on the watcher thread at once, changed or not (SIGHUP).
  virtual void request_reread() = 0;
  [[nodiscard]] Health health() const;

 protected:
  // `loaded_at`: when the snapshot already in force was read.
  explicit RegistryWatcher(std::int64_t loaded_at);

  // From the watcher thread: the database was read; `fresh` (may be null) is handed over.
  void record_success(std::shared_ptr<const policy::RegistrySnapshot> fresh);
  void record_failure(std::string error);
  // The snapshot not yet taken, or null; mutex_ must be held.
  [[nodiscard]] const std::shared_ptr<const policy::RegistrySnapshot>& pending_locked()
      const noexcept {
    return pending_;
  }

  // Guards the slot and the health record; subclasses guard their own wake-up flags with it.
  mutable std::mutex mutex_;

 private:
  std::atomic<bool> has_new_{false};
  std::shared_ptr<const policy::RegistrySnapshot> pending_;
  Health health_;
};

[[nodiscard]] std::int64_t unix_seconds_now();

// A snapshot of a whole read of the registry, built now. The read's rows (subjects, hex
// fingerprints, every text the compact records drop) are freed once it is built; their pages
// are handed back to the system, else they stay in the broker's RSS as holes among the
// snapshot's records (64.4 instead of 40.2 MB broker RSS at 100,000 devices, docs/PLUGIN.md
// "Memory").
// Given `before`, the snapshot it replaces, a revocation `before` held and the read lost
// stays in force (RegistrySnapshot::keeping_revocations).
[[nodiscard]] std::shared_ptr<const policy::RegistrySnapshot> build_from_whole_read(
    RegistryContents contents, const policy::RegistrySnapshot* before);

// Hands the heap's free pages back to the system (glibc malloc_trim). Called by the broker
// thread after each adoption, when the parts of the snapshot that were replaced have just
// been freed, in scattered places: without it the broker's RSS crept by 0.8 MB over 1,000
// changes at 100,000 devices, and a whole read (SIGHUP) left 57 instead of 38 MB behind
// (certacl_broker_memory_bench). It costs 0.025 ms on average, 0.09 ms at most, after a
// change on a 56 MB heap (certacl_snapshot_memory_bench): it walks the free lists, not the
// heap.
void hand_back_free_pages() noexcept;

// The snapshot that follows `base`: built from the change-log rows after its counter when
// `changes` holds them (RegistrySnapshot::apply), else from `read_all()`, the whole registry.
// Pure choice, shared by both watchers; `changes` is nullopt for a first read, a re-read
// asked for, a gap in the log or a log pruned past base's counter.
template <typename ReadAll>
[[nodiscard]] std::shared_ptr<const policy::RegistrySnapshot> next_snapshot(
    const policy::RegistrySnapshot& base, std::optional<RegistryChanges> changes,
    ReadAll&& read_all) {
  if (changes) {
    if (auto applied =
            policy::RegistrySnapshot::apply(base, std::move(*changes), unix_seconds_now())) {
      return applied;
    }
  }
  return build_from_whole_read(read_all(), &base);
}

// What a candidate registry is compared with before it may replace this one.
[[nodiscard]] policy::RegistryVersion version_of(const policy::RegistrySnapshot& snapshot);

}  // namespace certacl::plugin
