#pragma once
// Opening the certacl database from the CA's side: existence and schema checks with clear
// errors, writer pragmas (rollback journal, synchronous=EXTRA, busy
// timeout), the database file mode, and the files no output may replace, and the CA row.

#include <sys/types.h>

#include <optional>
#include <string>

#include "certacl/sqlite.h"

namespace certacl::ca {

// Long enough that several certacl-ca processes queue behind each other's transactions.
inline constexpr std::chrono::milliseconds kWriterBusyTimeout{15000};
// docs/DEPLOYMENT.md: owner read-write, the readers group (the broker) read-only.
inline constexpr mode_t kDatabaseMode = 0640;

// Opens an existing certacl database for writing; throws CaError(kStorage) when the file
// is missing, not a certacl database, or of another schema version.
[[nodiscard]] SqliteDatabase open_database(const std::string& path);
// Opens (creating if needed) and migrates; used by init only.
[[nodiscard]] SqliteDatabase create_database(const std::string& path);

struct CaRecord {
  std::string name;
  std::string certificate_pem;
  std::string key_path;
  bool key_encrypted = false;
  std::int64_t created_at = 0;
};

[[nodiscard]] std::optional<CaRecord> find_ca(SqliteDatabase& db);
// Throws CaError(kNotFound) when the database has no CA yet.
[[nodiscard]] CaRecord require_ca(SqliteDatabase& db);
void insert_ca(SqliteDatabase& db, const CaRecord& record);

[[nodiscard]] std::int64_t unix_now();

}  // namespace certacl::ca
