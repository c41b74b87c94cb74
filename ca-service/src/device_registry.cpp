#include "device_registry.h"

#include <fmt/format.h>

#include "audit.h"
#include "ca_database.h"
#include "ca_error.h"
#include "certacl/identity.h"
#include "role_registry.h"

namespace certacl::ca {
namespace {

bool san_taken(SqliteDatabase& db, const char* column, const std::string& value) {
  Statement statement = db.prepare(fmt::format("SELECT 1 FROM devices WHERE {} = ?1", column));
  statement.bind(1, value);
  return statement.step();
}

}  // namespace

void check_new_device(const NewDevice& device) {
  if (const auto problem = device_name_problem(device.name); !problem.empty()) {
    throw CaError(ExitCode::kBadInput, fmt::format("invalid device name '{}': {}",
                                                   escape_for_display(device.name), problem));
  }
  if (device.san_dns) {
    if (const auto problem = san_dns_problem(*device.san_dns); !problem.empty()) {
      throw CaError(ExitCode::kBadInput, fmt::format("invalid --san-dns '{}': {}",
                                                     escape_for_display(*device.san_dns), problem));
    }
  }
  if (device.san_uri) {
    if (const auto problem = san_uri_problem(*device.san_uri); !problem.empty()) {
      throw CaError(ExitCode::kBadInput, fmt::format("invalid --san-uri '{}': {}",
                                                     escape_for_display(*device.san_uri), problem));
    }
  }
}

void add_device(SqliteDatabase& db, const NewDevice& device) {
  check_new_device(device);
  require_role(db, device.role);
  if (find_device(db, device.name)) {
    throw CaError(ExitCode::kConflict, fmt::format("device '{}' already exists", device.name));
  }
  if (device.san_dns && san_taken(db, "san_dns", *device.san_dns)) {
    throw CaError(
        ExitCode::kConflict,
        fmt::format("DNS name '{}' is already registered to another device", *device.san_dns));
  }
  if (device.san_uri && san_taken(db, "san_uri", *device.san_uri)) {
    throw CaError(ExitCode::kConflict,
                  fmt::format("URI '{}' is already registered to another device", *device.san_uri));
  }
  const std::int64_t now = unix_now();
  db.prepare(
        "INSERT INTO devices (name, role, enabled, san_dns, san_uri, created_at, updated_at) "
        "VALUES (?1, ?2, 1, ?3, ?4, ?5, ?5)")
      .bind(1, device.name)
      .bind(2, device.role)
      .bind(3, device.san_dns)
      .bind(4, device.san_uri)
      .bind(5, now)
      .run();
  std::string detail = fmt::format("role={}", device.role);
  if (device.san_dns) detail += fmt::format(" san_dns={}", *device.san_dns);
  if (device.san_uri) detail += fmt::format(" san_uri={}", *device.san_uri);
  append_audit(db, "device-add", device.name, std::nullopt, detail);
}

bool set_device_enabled(SqliteDatabase& db, const std::string& name, bool enabled) {
  const Device device = require_known_device(db, name);
  if (device.enabled == enabled) return false;
  db.prepare("UPDATE devices SET enabled = ?1, updated_at = ?2 WHERE name = ?3")
      .bind(1, std::int64_t{enabled ? 1 : 0})
      .bind(2, unix_now())
      .bind(3, name)
      .run();
  append_audit(db, enabled ? "device-enable" : "device-disable", name, std::nullopt, "");
  return true;
}

Device require_known_device(SqliteDatabase& db, const std::string& name) {
  auto device = find_device(db, name);
  if (!device) throw CaError(ExitCode::kNotFound, fmt::format("unknown device '{}'", name));
  return *device;
}

Device require_device(SqliteDatabase& db, const std::string& name) {
  return require_issuable(find_device(db, name), name);
}

Device require_issuable(std::optional<Device> device, const std::string& name) {
  if (!device) {
    throw CaError(ExitCode::kNotFound,
                  fmt::format("CN '{}' does not match a registered device", name));
  }
  if (!device->enabled) {
    throw CaError(ExitCode::kConflict, fmt::format("device '{}' is disabled", name));
  }
  return *std::move(device);
}

}  // namespace certacl::ca
