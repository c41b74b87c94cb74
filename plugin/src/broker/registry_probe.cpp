#include "registry_probe.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <chrono>

#include "certacl/registry.h"
#include "certacl/schema.h"

namespace certacl::plugin {
namespace {

// A connect waits at most this long for a lock; readers of a WAL database are not
// blocked by the CA's writes, so this only matters during a checkpoint or recovery.
constexpr std::chrono::milliseconds kProbeBusyTimeout{20};

std::uint64_t inode_of(const std::string& path) {
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0) {
    throw DatabaseError(fmt::format("database '{}' is missing", path), SQLITE_CANTOPEN);
  }
  return static_cast<std::uint64_t>(status.st_ino);
}

}  // namespace

std::shared_ptr<const policy::RegistrySnapshot> RegistryProbe::fresher_for(
    std::string_view serial, std::int64_t in_force_counter, std::int64_t now) {
  try {
    const std::uint64_t inode = inode_of(path_);
    if (!db_ || inode != opened_inode_) {
      db_ = std::make_unique<SqliteDatabase>(path_, SqliteDatabase::Access::ReadOnly);
      db_->configure_as_reader(kProbeBusyTimeout);
      require_current_schema(*db_);
      opened_inode_ = inode;
      known_data_version_ = -1;
    }
    const std::int64_t data_version = db_->query_int64("PRAGMA data_version");
    if (data_version != known_data_version_) {
      known_counter_ = read_change_counter(*db_);
      known_data_version_ = data_version;
    }
    if (known_counter_ == in_force_counter) return nullptr;

    RegistryContents contents;
    {
      ReadTransaction transaction(*db_);
      contents.change_counter = read_change_counter(*db_);
      std::optional<CertificateRecord> certificate = find_certificate(*db_, serial);
      if (certificate && certificate->kind == CertificateKind::kDevice) {
        if (certificate->device) {
          if (std::optional<Device> device = find_device(*db_, *certificate->device)) {
            contents.rules = load_role_rules(*db_, device->role);
            // The role's client-id rule too, or a gateway's prefix id would be refused.
            if (std::optional<Role> role = find_role(*db_, device->role)) {
              contents.roles.push_back(std::move(*role));
            }
            contents.devices.push_back(std::move(*device));
          }
        }
        contents.device_certificates.push_back(std::move(*certificate));
      }
    }
    return policy::RegistrySnapshot::build(std::move(contents), now);
  } catch (...) {
    db_.reset();
    throw;
  }
}

}  // namespace certacl::plugin
