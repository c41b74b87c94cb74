#pragma once
// Closes the window between a CA commit and the watcher's next snapshot for new
// connections. At each connect the broker asks whether the registry moved past the snapshot
// in force: one PRAGMA data_version on a private read-only connection (it reads the WAL
// index in shared memory; no table is touched). Only when it moved is this one certificate,
// its device and its role's rules read, in one read transaction, and the connect must pass
// that too (it can only refuse: a file the watcher would refuse must not admit anyone).
// This is the only SQLite the broker thread runs.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "certacl/sqlite.h"
#include "registry_snapshot.h"

namespace certacl::plugin {

class RegistryProbe {
 public:
  explicit RegistryProbe(std::string path) : path_(std::move(path)) {}

  // nullptr when the registry is still at `in_force_counter`; otherwise a registry holding
  // just the certificate `serial`, its device and that device's role (rules and client-id rule).
  // Throws DatabaseError when the database cannot be read (the caller then keeps the snapshot).
  [[nodiscard]] std::shared_ptr<const policy::RegistrySnapshot> fresher_for(
      std::string_view serial, std::int64_t in_force_counter, std::int64_t now);

 private:
  std::string path_;
  std::unique_ptr<SqliteDatabase> db_;
  std::uint64_t opened_inode_ = 0;
  std::int64_t known_data_version_ = -1;
  std::int64_t known_counter_ = -1;
};

}  // namespace certacl::plugin
