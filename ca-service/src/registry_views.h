#pragma once
// What the read-only commands print (device list|show, role show|list, cert list|expiring),
// loaded from either store into the same values, so the CLI prints both the same way. The
// SQLite loaders are in registry_views.cpp, the PostgreSQL ones in postgres_views.cpp; each
// reads in one snapshot and orders names by their bytes, as SQLite does.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "certacl/registry.h"
#include "certacl/sqlite.h"
#include "certacl/store/postgres_store.h"
#include "role_editing.h"

namespace certacl::ca {

struct DeviceDetails {
  Device device;
  std::vector<CertificateRecord> certificates;  // its device certificates
  std::vector<RoleRule> rules;                  // its role's
};

struct RoleDetails {
  RoleClientIdRule client_id_rule = RoleClientIdRule::kExact;
  std::vector<NumberedRule> rules;
};

struct RoleSummary {
  std::string role;
  std::int64_t rules = 0;
  std::int64_t devices = 0;
  RoleClientIdRule client_id_rule = RoleClientIdRule::kExact;
};

// Each throws CaError(kNotFound) for an unknown device or role.
[[nodiscard]] DeviceDetails load_device_details(SqliteDatabase& db, const std::string& name);
[[nodiscard]] RoleDetails load_role_details(SqliteDatabase& db, const std::string& role);
[[nodiscard]] std::vector<RoleSummary> load_role_summaries(SqliteDatabase& db);
[[nodiscard]] std::vector<CertificateRecord> load_certificate_list(
    SqliteDatabase& db, const std::optional<std::string>& device);

[[nodiscard]] std::vector<Device> load_devices(store::PostgresStore& store);
[[nodiscard]] DeviceDetails load_device_details(store::PostgresStore& store,
                                                const std::string& name);
[[nodiscard]] RoleDetails load_role_details(store::PostgresStore& store, const std::string& role);
[[nodiscard]] std::vector<RoleSummary> load_role_summaries(store::PostgresStore& store);
[[nodiscard]] std::vector<CertificateRecord> load_certificate_list(
    store::PostgresStore& store, const std::optional<std::string>& device);

}  // namespace certacl::ca
