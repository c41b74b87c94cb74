#include "snapshot_watcher.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <exception>
#include <utility>

#include "certacl/registry.h"
#include "certacl/schema.h"
#include "certacl/sqlite.h"
#include "registry_acceptance.h"
#include "registry_file_guard.h"

namespace certacl::plugin {
namespace {

constexpr std::chrono::milliseconds kReaderBusyTimeout{200};

// A database file that was deleted or replaced must not keep being read through the old
// descriptor: that would hide the fault and serve a registry nobody can change any more.
using FileIdentity = SnapshotWatcher::FileIdentity;

FileIdentity identify_file(const std::string& path) {
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0) {
    throw DatabaseError(fmt::format("database '{}' is missing", path), SQLITE_CANTOPEN);
  }
  return {static_cast<std::uint64_t>(status.st_dev), static_cast<std::uint64_t>(status.st_ino)};
}

// The file a snapshot just read from `path` came from, or nullopt when it is gone already.
std::optional<FileIdentity> identify_if_present(const std::string& path) {
  try {
    return identify_file(path);
  } catch (const DatabaseError&) {
    return std::nullopt;
  }
}

std::unique_ptr<SqliteDatabase> open_reader(const std::string& path) {
  auto db = std::make_unique<SqliteDatabase>(path, SqliteDatabase::Access::ReadOnly);
  db->configure_as_reader(kReaderBusyTimeout);
  // The watcher's connection lives as long as the broker and each change reads a few pages
  // from somewhere else in the file: SQLite's default cache (up to 2 MB) would fill with
  // pages read once and grow the broker by as much over the first thousand changes
  // (docs/SCALING.md "Memory"). A whole read is sequential and gains nothing from a cache.
  db->exec("PRAGMA cache_size = -256");  // KiB
  require_current_schema(*db);
  return db;
}

// Throws unless `candidate` may replace `adopted` (monotonic counter, same CA).
void require_adoptable(const policy::RegistryVersion& adopted,
                       const policy::RegistryVersion& candidate) {
  if (const std::string problem = policy::registry_adoption_problem(adopted, candidate);
      !problem.empty()) {
    throw DatabaseError(problem, SQLITE_PERM);
  }
}

}  // namespace

std::shared_ptr<const policy::RegistrySnapshot> load_snapshot(
    const std::string& path, const policy::RegistrySnapshot* adopted) {
  check_registry_files(path);
  identify_file(path);
  auto db = open_reader(path);
  RegistryContents contents = load_registry(*db);
  if (adopted != nullptr) {
    require_adoptable(version_of(*adopted),
                      {contents.change_counter, contents.ca_certificate_sha256});
  }
  return build_from_whole_read(std::move(contents), adopted);
}

SnapshotWatcher::SnapshotWatcher(std::string path, std::chrono::milliseconds interval,
                                 std::shared_ptr<const policy::RegistrySnapshot> initial)
    : RegistryWatcher(initial->loaded_at()), path_(std::move(path)), interval_(interval) {
  // `initial` was read from this path moments ago (load_snapshot); a file swapped in between
  // is caught by the next poll as another file, and read whole.
  thread_ =
      std::thread([this, base = std::move(initial), file = identify_if_present(path_)]() mutable {
        run(std::move(base), file);
      });
}

SnapshotWatcher::~SnapshotWatcher() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void SnapshotWatcher::request_reread() {
  {
    std::lock_guard lock(mutex_);
    reread_requested_ = true;
  }
  wake_.notify_all();
}

void SnapshotWatcher::run(std::shared_ptr<const policy::RegistrySnapshot> base,
                          std::optional<FileIdentity> base_file) {
  policy::RegistryVersion adopted = version_of(*base);
  std::unique_ptr<SqliteDatabase> db;
  FileIdentity opened_file;
  // `base_file`: the file `base` was read from. Another file's change log says nothing about
  // `base`, so a change found in another file (or when it is not known) is read whole.
  std::int64_t known_data_version = -1;
  bool first_poll = true;
  while (true) {
    bool reread = false;
    {
      std::unique_lock lock(mutex_);
      if (!first_poll) {
        wake_.wait_for(lock, interval_, [this] { return stopping_ || reread_requested_; });
      }
      if (stopping_) return;
      reread = std::exchange(reread_requested_, false);
    }
    first_poll = false;
    try {
      // Every poll: a file made writable, or swapped for one the broker's user owns, is
      // refused before it is read.
      check_registry_files(path_);
      const FileIdentity file = identify_file(path_);
      if (!db || opened_file != file) {
        db = open_reader(path_);
        opened_file = file;
        known_data_version = -1;
      }
      // data_version changes only when another connection commits, so an idle
      // registry costs one pragma per poll.
      const std::int64_t data_version = db->query_int64("PRAGMA data_version");
      std::shared_ptr<const policy::RegistrySnapshot> fresh;
      if (data_version != known_data_version || reread) {
        const policy::RegistryVersion candidate{read_change_counter(*db),
                                                read_ca_certificate_sha256(*db)};
        // A refusal throws before known_data_version moves, so it is re-checked (and
        // logged, and counted towards the stale limit) on every poll until fixed.
        require_adoptable(adopted, candidate);
        if (candidate.change_counter != adopted.change_counter || reread) {
          const bool whole = reread || base_file != file;
          fresh = next_snapshot(
              *base, whole ? std::nullopt : load_registry_changes(*db, base->change_counter()),
              [&db] { return load_registry(*db); });
          require_adoptable(adopted, version_of(*fresh));  // it may have moved meanwhile
          adopted = version_of(*fresh);
          base = fresh;
          base_file = file;
        }
        known_data_version = data_version;
      }
      record_success(std::move(fresh));
    } catch (const std::exception& error) {
      db.reset();
      record_failure(error.what());
    }
  }
}

}  // namespace certacl::plugin
