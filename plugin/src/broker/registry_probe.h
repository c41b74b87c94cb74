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

// The connect-time question, whichever store: is there a registry fresher than the snapshot
// in force that this connect must also pass? (postgres_connect_probe.h answers it for
// PostgreSQL.)
class ConnectProbe {
 public:
  virtual ~ConnectProbe() = default;
  // nullptr when the registry is still at `in_force_counter`; otherwise a registry holding
  // at least the certificate `serial`, its device and that device's role rules. Throws
  // (std::exception) when that cannot be known now: the caller then keeps the snapshot.
  [[nodiscard]] virtual std::shared_ptr<const policy::RegistrySnapshot> fresher_for(
      std::string_view serial, std::int64_t in_force_counter, std::int64_t now) = 0;
};

class RegistryProbe final : public ConnectProbe {
 public:
  explicit RegistryProbe(std::string path) : path_(std::move(path)) {}

  // Reads just this certificate, its device and that device's role (rules and client-id
  // rule) when the file moved. Throws DatabaseError when the database cannot be read.
  [[nodiscard]] std::shared_ptr<const policy::RegistrySnapshot> fresher_for(
      std::string_view serial, std::int64_t in_force_counter, std::int64_t now) override;

 private:
  std::string path_;
  std::unique_ptr<SqliteDatabase> db_;
  std::uint64_t opened_inode_ = 0;
  std::int64_t known_data_version_ = -1;
  std::int64_t known_counter_ = -1;
};

}  // namespace certacl::plugin
