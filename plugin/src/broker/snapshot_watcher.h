#pragma once
// Keeps an up-to-date RegistrySnapshot without ever touching SQLite on the broker thread.
// A background thread with its own read-only connection polls PRAGMA data_version and the
// change counter; on a change it reads the change-log rows after the counter it holds and
// applies them to its last snapshot (a full read when the log cannot say: a gap, a pruned
// log, another file, a re-read asked for), and leaves the new snapshot in a slot that the
// TICK callback empties. A registry whose files break docs/DEPLOYMENT.md, whose counter
// went backwards or whose CA changed is never adopted: that poll fails like an unreadable
// file. Failures are recorded, never thrown across threads: the last good snapshot stays in
// force and health() says how old it is.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "registry_acceptance.h"
#include "registry_snapshot.h"
#include "registry_watcher.h"

namespace certacl::plugin {

// Reads the whole registry once. Throws DatabaseError naming the path and the cause, also
// when the files break docs/DEPLOYMENT.md (registry_file_guard.h) or, given the registry in
// force, when the new one is older or of another CA (policy/registry_acceptance.h).
[[nodiscard]] std::shared_ptr<const policy::RegistrySnapshot> load_snapshot(
    const std::string& path, const policy::RegistrySnapshot* adopted = nullptr);

// The SQLite watcher: polls the file's data_version every `interval`.
class SnapshotWatcher final : public RegistryWatcher {
 public:
  // Which file a snapshot was read from: device and inode.
  struct FileIdentity {
    std::uint64_t device = 0;
    std::uint64_t inode = 0;
    bool operator==(const FileIdentity&) const = default;
  };

  // `initial` is the snapshot already in force; only changes after it are handed over, each
  // applied to the snapshot before it from the change log when the log has every row.
  SnapshotWatcher(std::string path, std::chrono::milliseconds interval,
                  std::shared_ptr<const policy::RegistrySnapshot> initial);
  ~SnapshotWatcher() override;
  SnapshotWatcher(const SnapshotWatcher&) = delete;
  SnapshotWatcher& operator=(const SnapshotWatcher&) = delete;

  void request_reread() override;
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

 private:
  // `base_file`: the file `base` was read from, if known; nullopt makes the first change a
  // full read.
  void run(std::shared_ptr<const policy::RegistrySnapshot> base,
           std::optional<FileIdentity> base_file);

  std::string path_;
  std::chrono::milliseconds interval_;
  std::condition_variable wake_;
  bool stopping_ = false;          // guarded by mutex_
  bool reread_requested_ = false;  // guarded by mutex_
  std::thread thread_;
};

}  // namespace certacl::plugin
