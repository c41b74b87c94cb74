#include "registry_views.h"

#include <fmt/format.h>

#include "ca_error.h"
#include "device_registry.h"
#include "role_registry.h"

namespace certacl::ca {

DeviceDetails load_device_details(SqliteDatabase& db, const std::string& name) {
  ReadTransaction snapshot(db);
  DeviceDetails details;
  details.device = require_known_device(db, name);
  details.certificates = load_certificates(db, std::string_view(name), CertificateKind::kDevice);
  details.rules = load_role_rules(db, details.device.role);
  return details;
}

RoleDetails load_role_details(SqliteDatabase& db, const std::string& role) {
  ReadTransaction snapshot(db);
  RoleDetails details;
  details.rules = load_numbered_rules(db, role);
  details.client_id_rule = find_role(db, role)->client_id_rule;
  return details;
}

std::vector<RoleSummary> load_role_summaries(SqliteDatabase& db) {
  ReadTransaction snapshot(db);
  Statement roles = db.prepare(
      "SELECT r.name, (SELECT count(*) FROM role_rules WHERE role = r.name), "
      "(SELECT count(*) FROM devices WHERE role = r.name), r.client_id_rule FROM roles r "
      "ORDER BY r.name");
  std::vector<RoleSummary> summaries;
  while (roles.step()) {
    summaries.push_back(RoleSummary{
        roles.column_text(0), roles.column_int64(1), roles.column_int64(2),
        parse_role_client_id_rule(roles.column_text(3)).value_or(RoleClientIdRule::kExact)});
  }
  return summaries;
}

std::vector<CertificateRecord> load_certificate_list(SqliteDatabase& db,
                                                     const std::optional<std::string>& device) {
  ReadTransaction snapshot(db);
  if (device && !find_device(db, *device)) {
    throw CaError(ExitCode::kNotFound, fmt::format("unknown device '{}'", *device));
  }
  std::optional<std::string_view> filter;
  if (device) filter = *device;
  return load_certificates(db, filter);
}

}  // namespace certacl::ca
