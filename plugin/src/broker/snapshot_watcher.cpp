#include "snapshot_watcher.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <ctime>
#include <exception>
#include <utility>

#include "certacl/registry.h"
#include "certacl/schema.h"
#include "certacl/sqlite.h"

namespace certacl::plugin {
namespace {

constexpr std::chrono::milliseconds kReaderBusyTimeout{200};

std::int64_t unix_now() {
  return static_cast<std::int64_t>(std::time(nullptr));
}

// A database file that was deleted or replaced must not keep being read through the old
// descriptor: that would hide the fault and serve a registry nobody can change any more.
struct FileIdentity {
  dev_t device = 0;
  ino_t inode = 0;
  bool operator==(const FileIdentity&) const = default;
};

FileIdentity identify_file(const std::string& path) {
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0) {
    throw DatabaseError(fmt::format("database '{}' is missing", path), SQLITE_CANTOPEN);
  }
  return {status.st_dev, status.st_ino};
}

std::unique_ptr<SqliteDatabase> open_reader(const std::string& path) {
  auto db = std::make_unique<SqliteDatabase>(path, SqliteDatabase::Access::ReadOnly);
  db->configure_as_reader(kReaderBusyTimeout);
  require_current_schema(*db);
  return db;
}

}  // namespace

std::shared_ptr<const policy::RegistrySnapshot> load_snapshot(const std::string& path) {
  identify_file(path);
  auto db = open_reader(path);
  return policy::RegistrySnapshot::build(load_registry(*db), unix_now());
}

SnapshotWatcher::SnapshotWatcher(std::string path, std::chrono::milliseconds interval,
                                 const policy::RegistrySnapshot& initial)
    : path_(std::move(path)), interval_(interval) {
  health_.last_success = initial.loaded_at();
  thread_ = std::thread([this, counter = initial.change_counter()] { run(counter); });
}

SnapshotWatcher::~SnapshotWatcher() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::shared_ptr<const policy::RegistrySnapshot> SnapshotWatcher::take_new() {
  std::lock_guard lock(mutex_);
  has_new_.store(false, std::memory_order_release);
  return std::move(pending_);
}

void SnapshotWatcher::request_reread() {
  {
    std::lock_guard lock(mutex_);
    reread_requested_ = true;
  }
  wake_.notify_all();
}

SnapshotWatcher::Health SnapshotWatcher::health() const {
  std::lock_guard lock(mutex_);
  return health_;
}

void SnapshotWatcher::run(std::int64_t known_counter) {
  std::unique_ptr<SqliteDatabase> db;
  FileIdentity opened_file;
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
        const std::int64_t counter = read_change_counter(*db);
        if (counter != known_counter || reread) {
          fresh = policy::RegistrySnapshot::build(load_registry(*db), unix_now());
          known_counter = fresh->change_counter();
        }
        known_data_version = data_version;
      }
      std::lock_guard lock(mutex_);
      if (fresh) {
        pending_ = std::move(fresh);
        has_new_.store(true, std::memory_order_release);
      }
      health_.last_success = unix_now();
      health_.failures = 0;
      health_.last_error.clear();
    } catch (const std::exception& error) {
      db.reset();
      std::lock_guard lock(mutex_);
      ++health_.failures;
      health_.last_error = error.what();
    }
  }
}

}  // namespace certacl::plugin
