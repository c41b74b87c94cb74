#include "postgres_fleet.h"

#include <string>

#include "certacl/store/postgres_schema.h"
#include "fleet.h"

namespace certacl::bench {

void write_fleet_postgres(store::PostgresConnection& admin, std::size_t devices) {
  store::apply_postgres_schema(admin);
  store::PostgresTransaction transaction(admin,
                                         store::PostgresTransaction::Isolation::kReadCommitted);
  admin.exec("SET LOCAL session_replication_role = replica");
  admin.exec("INSERT INTO certacl.roles (name, created_at) VALUES ('sensor', 0)");
  for (const RoleRule& rule : sensor_rules(20)) {
    admin.exec(
        "INSERT INTO certacl.role_rules (role, effect, action, pattern, created_at) "
        "VALUES ('sensor', $1, $2, $3, 0)",
        {std::string(to_string(rule.effect)), std::string(to_string(rule.action)), rule.pattern});
  }
  const std::string count = std::to_string(devices);  // 0: role and rules only
  admin.exec(
      "INSERT INTO certacl.devices (name, role, enabled, created_at, updated_at) "
      "SELECT 'sensor-' || i, 'sensor', true, 0, 0 FROM generate_series(0, $1::int - 1) i",
      {count});
  admin.exec(
      "INSERT INTO certacl.certificates (serial, kind, device, subject, issuer, not_before, "
      "not_after, sha256, certificate_pem, issued_at) "
      "SELECT upper(to_hex(16777216 + i)), 'device', 'sensor-' || i, 'CN=sensor-' || i, "
      "'CN=bench CA', $2::bigint - 3600, $2::bigint + 3600, lpad(to_hex(i), 64, '0'), 'PEM', 0 "
      "FROM generate_series(0, $1::int - 1) i",
      {count, std::to_string(kNow)});
  admin.exec("UPDATE certacl.state SET change_counter = 1");
  transaction.commit();
  admin.exec("ANALYZE");
}

}  // namespace certacl::bench
