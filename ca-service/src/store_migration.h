#pragma once
// `certacl-ca migrate-store`: copies a SQLite registry into an empty PostgreSQL one, in one
// transaction: the CA row, roles, rules (with their ids), devices, certificates (serials,
// PEM, revocations), EST tokens and supersessions, and the audit log (ids and times kept).
// Before COMMIT it reads every table back and compares row counts and SHA-256 checksums
// with the source; any difference rolls everything back. The change counter ends at least
// at the source's, so it never goes backwards for a broker that moves over.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace certacl::ca {

struct CopiedTable {
  std::string name;
  std::int64_t rows = 0;
  std::string sha256;  // of the rows in key order, identical on both sides
};

struct StoreMigration {
  std::vector<CopiedTable> tables;
  std::int64_t source_counter = 0;
  std::int64_t target_counter = 0;
};

// `from` is "sqlite:PATH"; `to` a postgresql:// URL whose login owns the certacl schema (it
// sets the change counter and the id sequences, which certacl_ca may not). The schema is
// applied first when the database has none. Throws CaError: kUsage for a source that is not
// sqlite:, kStorage for an unreadable, corrupt or older source, kConflict for a target that
// holds anything already or a login without the rights; PostgresError from the database.
[[nodiscard]] StoreMigration migrate_store(const std::string& from, const std::string& to,
                                           const std::optional<std::string>& password_file);

}  // namespace certacl::ca
