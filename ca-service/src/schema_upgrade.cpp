#include "schema_upgrade.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include "audit.h"
#include "ca_database.h"
#include "ca_error.h"
#include "certacl/schema.h"

namespace certacl::ca {

SchemaUpgrade migrate_registry(const std::string& db_path) {
  struct stat info {};
  if (::stat(db_path.c_str(), &info) != 0) {
    throw CaError(ExitCode::kStorage, fmt::format("database '{}' does not exist", db_path));
  }
  try {
    SqliteDatabase db(db_path, SqliteDatabase::Access::ReadWrite);
    db.configure_as_writer(kWriterBusyTimeout);
    // An empty file has version 0 and would be turned into a fresh registry: that is
    // init's job, not an upgrade.
    const int from = read_schema_version(db);
    if (from == 0) {
      throw CaError(ExitCode::kStorage,
                    fmt::format("'{}' is not a certacl database (no schema; 'certacl-ca init' "
                                "creates one)",
                                db_path));
    }
    apply_migrations(db);
    const SchemaUpgrade upgrade{from, read_schema_version(db)};
    if (upgrade.changed()) {
      WriteTransaction transaction(db);
      append_audit(db, "migrate", std::nullopt, std::nullopt,
                   fmt::format("schema {} -> {}", upgrade.from, upgrade.to));
      transaction.commit();
    }
    return upgrade;
  } catch (const DatabaseError& error) {
    throw CaError(ExitCode::kStorage, error.what());
  }
}

}  // namespace certacl::ca
