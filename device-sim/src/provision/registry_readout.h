#pragma once
// What the simulator reads from the CA's registry before it provisions through certacl-ca
// (so a rerun adds nothing twice) and before it touches it at all (registry_guard.h): from
// the SQLite file, or from PostgreSQL when --ca-db is a postgresql:// URL, as the same
// login certacl-ca uses (password from $CERTACL_DB_PASSWORD_FILE, else PGPASSFILE).

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "certacl/registry.h"

namespace certacl::store {
class PostgresConnection;
}

namespace certacl::sim {

struct CaRow {
  std::string key_path;
  std::string certificate_pem;
};

class RegistryReadout {
 public:
  // Opens read-only; throws (DatabaseError, store::PostgresError) naming the cause.
  explicit RegistryReadout(const std::string& database);
  ~RegistryReadout();
  RegistryReadout(const RegistryReadout&) = delete;
  RegistryReadout& operator=(const RegistryReadout&) = delete;

  [[nodiscard]] std::vector<std::string> roles();
  // nullopt when the role does not exist.
  [[nodiscard]] std::optional<std::vector<RoleRule>> role_rules(const std::string& role);
  [[nodiscard]] std::optional<Device> find_device(const std::string& name);
  [[nodiscard]] std::set<std::string> device_names();
  [[nodiscard]] std::optional<CaRow> ca();

 private:
  std::unique_ptr<SqliteDatabase> sqlite_;
  std::unique_ptr<store::PostgresConnection> postgres_;
};

}  // namespace certacl::sim
