#include "device_removal.h"

#include <fmt/format.h>

#include "audit.h"
#include "ca_database.h"
#include "ca_error.h"
#include "certacl/registry.h"
#include "device_registry.h"
#include "revocation.h"
#include "role_registry.h"

namespace certacl::ca {

RemovedDevice remove_device(SqliteDatabase& db, const std::string& name, int reason) {
  WriteTransaction transaction(db);
  const Device device = require_known_device(db, name);
  // Revoked first, in the same transaction: there is no moment at which a certificate of
  // a removed device is still valid in the registry.
  RemovedDevice removed{revoke_device(db, name, reason)};
  // A token only ever enrolls its own device, so its tokens go with it (the audit log keeps
  // their issue and use); the name, registered again later, starts without any.
  db.prepare("DELETE FROM enrollment_tokens WHERE device = ?1").bind(1, name).run();
  db.prepare("DELETE FROM devices WHERE name = ?1").bind(1, name).run();
  append_audit(db, "device-remove", name, std::nullopt,
               fmt::format("role={} revoked={}", device.role, removed.revoked_serials.size()));
  transaction.commit();
  return removed;
}

bool set_device_role(SqliteDatabase& db, const std::string& name, const std::string& role) {
  WriteTransaction transaction(db);
  const Device device = require_known_device(db, name);
  require_role(db, role);
  if (device.role == role) return false;
  db.prepare("UPDATE devices SET role = ?1, updated_at = ?2 WHERE name = ?3")
      .bind(1, role)
      .bind(2, unix_now())
      .bind(3, name)
      .run();
  append_audit(db, "device-set-role", name, std::nullopt,
               fmt::format("role={} previous={}", role, device.role));
  transaction.commit();
  return true;
}

}  // namespace certacl::ca
