#pragma once
// Backup and restore of the registry with SQLite's online backup API: a backup is one
// consistent snapshot even while the broker reads and other certacl-ca processes write.
// The CA key is not in the database and is not part of a backup (back it up separately).

#include <cstdint>
#include <string>

namespace certacl::ca {

struct BackupSummary {
  std::int64_t change_counter = 0;  // the registry's change counter in the copy
};

// Copies the live registry to `out` (a new file, mode 0640, written under a temporary name
// and renamed). Throws CaError: kConflict when `out` exists, kStorage on I/O errors.
BackupSummary backup_registry(const std::string& db_path, const std::string& out);

struct RestoreSummary {
  std::int64_t backup_counter = 0;    // change counter recorded in the backup
  std::int64_t previous_counter = 0;  // the live registry's counter before (0 if none)
  std::int64_t counter = 0;           // the counter after the restore
};

// Replaces the registry at `db_path` (created if missing) with the backup's contents.
// Refuses (CaError kConflict) a backup whose change counter is behind the live registry's
// unless `force`. Afterwards the counter is set past both values, so a running broker
// plugin sees a change and reloads; an audit row records the restore.
RestoreSummary restore_registry(const std::string& db_path, const std::string& backup, bool force);

}  // namespace certacl::ca
