// registry_views.h on a PostgreSQL registry. Names are ordered COLLATE "C" (by their bytes),
// as SQLite orders them, so both stores list in the same order whatever the database's
// collation.
#include <fmt/format.h>

#include "ca_error.h"
#include "certacl/store/postgres_connection.h"
#include "certacl/store/postgres_registry_reader.h"
#include "postgres_registry.h"
#include "registry_views.h"

namespace certacl::ca {
namespace {

using Isolation = store::PostgresTransaction::Isolation;
using store::PostgresResult;
using store::PostgresStore;

std::vector<CertificateRecord> device_certificates(PostgresStore& store,
                                                   const std::optional<std::string>& device) {
  return certificates_from(store.connection().exec(
      fmt::format("SELECT {} FROM certacl.certificates WHERE ($1::text IS NULL OR device = $1) "
                  "ORDER BY issued_at, serial COLLATE \"C\"",
                  kCertificateColumns),
      {device}));
}

std::vector<NumberedRule> numbered_rules(PostgresStore& store, const std::string& role) {
  const PostgresResult rows = store.connection().exec(
      "SELECT id, effect, action, pattern FROM certacl.role_rules WHERE role = $1 ORDER BY id",
      {role});
  std::vector<NumberedRule> rules;
  rules.reserve(static_cast<std::size_t>(rows.rows()));
  for (int row = 0; row < rows.rows(); ++row) {
    const auto effect = parse_rule_effect(rows.text(row, 1));
    const auto action = parse_rule_action(rows.text(row, 2));
    if (!effect || !action) {
      throw CaError(ExitCode::kStorage,
                    fmt::format("rule {} of role '{}' has an unknown effect or action",
                                rows.int64(row, 0), role));
    }
    rules.push_back(
        {rows.int64(row, 0), RoleRule{role, *effect, *action, std::string(rows.text(row, 3))}});
  }
  return rules;
}

std::optional<RoleClientIdRule> find_role_rule(PostgresStore& store, const std::string& role) {
  const PostgresResult rows =
      store.connection().exec("SELECT client_id_rule FROM certacl.roles WHERE name = $1", {role});
  if (rows.rows() == 0) return std::nullopt;
  return parse_role_client_id_rule(rows.text(0, 0)).value_or(RoleClientIdRule::kExact);
}

}  // namespace

std::vector<Device> load_devices(PostgresStore& store) {
  return store::devices_from_rows(store.connection().exec(fmt::format(
      "SELECT {} FROM certacl.devices ORDER BY name COLLATE \"C\"", store::kDeviceColumns)));
}

DeviceDetails load_device_details(PostgresStore& store, const std::string& name) {
  store::PostgresTransaction snapshot(store.connection(), Isolation::kRepeatableReadReadOnly);
  std::optional<Device> device = find_device(store, name);
  if (!device) throw CaError(ExitCode::kNotFound, fmt::format("unknown device '{}'", name));
  DeviceDetails details;
  details.certificates = device_certificates(store, name);
  for (NumberedRule& numbered : numbered_rules(store, device->role)) {
    details.rules.push_back(std::move(numbered.rule));
  }
  details.device = *std::move(device);
  snapshot.commit();
  return details;
}

RoleDetails load_role_details(PostgresStore& store, const std::string& role) {
  store::PostgresTransaction snapshot(store.connection(), Isolation::kRepeatableReadReadOnly);
  const std::optional<RoleClientIdRule> client_id_rule = find_role_rule(store, role);
  if (!client_id_rule) throw CaError(ExitCode::kNotFound, fmt::format("unknown role '{}'", role));
  RoleDetails details{*client_id_rule, numbered_rules(store, role)};
  snapshot.commit();
  return details;
}

std::vector<RoleSummary> load_role_summaries(PostgresStore& store) {
  const PostgresResult rows = store.connection().exec(
      "SELECT r.name, (SELECT count(*) FROM certacl.role_rules WHERE role = r.name), "
      "(SELECT count(*) FROM certacl.devices WHERE role = r.name), r.client_id_rule "
      "FROM certacl.roles r ORDER BY r.name COLLATE \"C\"");
  std::vector<RoleSummary> summaries;
  summaries.reserve(static_cast<std::size_t>(rows.rows()));
  for (int row = 0; row < rows.rows(); ++row) {
    summaries.push_back(RoleSummary{
        std::string(rows.text(row, 0)), rows.int64(row, 1), rows.int64(row, 2),
        parse_role_client_id_rule(rows.text(row, 3)).value_or(RoleClientIdRule::kExact)});
  }
  return summaries;
}

std::vector<CertificateRecord> load_certificate_list(PostgresStore& store,
                                                     const std::optional<std::string>& device) {
  store::PostgresTransaction snapshot(store.connection(), Isolation::kRepeatableReadReadOnly);
  if (device && !find_device(store, *device)) {
    throw CaError(ExitCode::kNotFound, fmt::format("unknown device '{}'", *device));
  }
  std::vector<CertificateRecord> records = device_certificates(store, device);
  snapshot.commit();
  return records;
}

}  // namespace certacl::ca
