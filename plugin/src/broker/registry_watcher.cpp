#include "registry_watcher.h"

#include <ctime>
#include <utility>

namespace certacl::plugin {

std::int64_t unix_seconds_now() {
  return static_cast<std::int64_t>(std::time(nullptr));
}

policy::RegistryVersion version_of(const policy::RegistrySnapshot& snapshot) {
  return {snapshot.change_counter(), snapshot.ca_certificate_sha256()};
}

RegistryWatcher::RegistryWatcher(std::int64_t loaded_at) {
  health_.last_success = loaded_at;
}

std::shared_ptr<const policy::RegistrySnapshot> RegistryWatcher::take_new() {
  std::lock_guard lock(mutex_);
  has_new_.store(false, std::memory_order_release);
  return std::move(pending_);
}

RegistryWatcher::Health RegistryWatcher::health() const {
  std::lock_guard lock(mutex_);
  return health_;
}

void RegistryWatcher::record_success(std::shared_ptr<const policy::RegistrySnapshot> fresh) {
  std::lock_guard lock(mutex_);
  if (fresh) {
    pending_ = std::move(fresh);
    has_new_.store(true, std::memory_order_release);
  }
  health_.last_success = unix_seconds_now();
  health_.failures = 0;
  health_.last_error.clear();
}

void RegistryWatcher::record_failure(std::string error) {
  std::lock_guard lock(mutex_);
  ++health_.failures;
  health_.last_error = std::move(error);
}

}  // namespace certacl::plugin
