#include "certacl/registry.h"

#include <fmt/format.h>

#include <algorithm>

#include "certacl/certificate_facts.h"

namespace certacl {
namespace {

constexpr std::string_view kDeviceColumns =
    "name, role, enabled, san_dns, san_uri, created_at, updated_at";
constexpr std::string_view kCertificateColumns =
    "serial, kind, device, subject, issuer, not_before, not_after, sha256, issued_at, "
    "revoked_at, revocation_reason";

Device read_device(const Statement& row) {
  return Device{row.column_text(0),          row.column_text(1),          row.column_int64(2) != 0,
                row.column_optional_text(3), row.column_optional_text(4), row.column_int64(5),
                row.column_int64(6)};
}

RoleRule read_rule(const Statement& row) {
  const std::string effect = row.column_text(1);
  const std::string action = row.column_text(2);
  const auto parsed_effect = parse_rule_effect(effect);
  const auto parsed_action = parse_rule_action(action);
  if (!parsed_effect || !parsed_action) {
    // The schema's CHECK constraints make this unreachable unless the file was tampered with.
    throw DatabaseError(
        fmt::format("role rule has unknown effect '{}' or action '{}'", effect, action),
        SQLITE_CORRUPT);
  }
  return RoleRule{row.column_text(0), *parsed_effect, *parsed_action, row.column_text(3)};
}

CertificateRecord read_certificate(const Statement& row) {
  const std::string kind = row.column_text(1);
  const auto parsed_kind = parse_certificate_kind(kind);
  if (!parsed_kind) {
    throw DatabaseError(fmt::format("certificate has unknown kind '{}'", kind), SQLITE_CORRUPT);
  }
  return CertificateRecord{row.column_text(0),           *parsed_kind,
                           row.column_optional_text(2),  row.column_text(3),
                           row.column_text(4),           row.column_int64(5),
                           row.column_int64(6),          row.column_text(7),
                           row.column_int64(8),          row.column_optional_int64(9),
                           row.column_optional_int64(10)};
}

Role read_role(const Statement& row) {
  const std::string rule = row.column_text(1);
  const auto parsed = parse_role_client_id_rule(rule);
  if (!parsed) {
    // The schema's CHECK constraint makes this unreachable unless the file was tampered with.
    throw DatabaseError(fmt::format("role has unknown client id rule '{}'", rule), SQLITE_CORRUPT);
  }
  return Role{row.column_text(0), *parsed};
}

}  // namespace

std::string_view to_string(RuleEffect effect) noexcept {
  return effect == RuleEffect::kAllow ? "allow" : "deny";
}

std::string_view to_string(RuleAction action) noexcept {
  return action == RuleAction::kPublish ? "publish" : "subscribe";
}

std::string_view to_string(CertificateKind kind) noexcept {
  return kind == CertificateKind::kDevice ? "device" : "server";
}

std::optional<RuleEffect> parse_rule_effect(std::string_view text) noexcept {
  if (text == "allow") return RuleEffect::kAllow;
  if (text == "deny") return RuleEffect::kDeny;
  return std::nullopt;
}

std::optional<RuleAction> parse_rule_action(std::string_view text) noexcept {
  if (text == "publish") return RuleAction::kPublish;
  if (text == "subscribe") return RuleAction::kSubscribe;
  return std::nullopt;
}

std::optional<CertificateKind> parse_certificate_kind(std::string_view text) noexcept {
  if (text == "device") return CertificateKind::kDevice;
  if (text == "server") return CertificateKind::kServer;
  return std::nullopt;
}

std::string_view to_string(RoleClientIdRule rule) noexcept {
  return rule == RoleClientIdRule::kExact ? "exact" : "prefix";
}

std::optional<RoleClientIdRule> parse_role_client_id_rule(std::string_view text) noexcept {
  if (text == "exact") return RoleClientIdRule::kExact;
  if (text == "prefix") return RoleClientIdRule::kPrefix;
  return std::nullopt;
}

std::optional<ChangedEntity> parse_changed_entity(std::string_view text) noexcept {
  if (text == "device") return ChangedEntity::kDevice;
  if (text == "role") return ChangedEntity::kRole;
  if (text == "certificate") return ChangedEntity::kCertificate;
  return std::nullopt;
}

std::optional<ChangedNames> changed_names(std::int64_t after, std::int64_t current,
                                          const std::vector<RegistryChange>& rows) {
  if (current < after) return std::nullopt;
  if (rows.size() != static_cast<std::size_t>(current - after)) return std::nullopt;
  ChangedNames names;
  std::int64_t expected = after;
  for (const RegistryChange& row : rows) {
    if (row.counter != ++expected) return std::nullopt;  // a gap: something is not logged
    if (row.entity == ChangedEntity::kRole) {
      names.roles.push_back(row.key);
    } else if (row.device) {
      // A device row, or a certificate of a device; a server certificate (no device) is
      // nothing a broker's snapshot holds.
      names.devices.push_back(*row.device);
    }
  }
  for (std::vector<std::string>* list : {&names.devices, &names.roles}) {
    std::sort(list->begin(), list->end());
    list->erase(std::unique(list->begin(), list->end()), list->end());
  }
  names.rows = rows.size();
  return names;
}

std::int64_t read_change_counter(SqliteDatabase& db) {
  return db.query_int64("SELECT change_counter FROM certacl_state WHERE id = 1");
}

std::string read_ca_certificate_sha256(SqliteDatabase& db) {
  Statement query = db.prepare("SELECT certificate_pem FROM ca WHERE id = 1");
  if (!query.step()) return {};
  const X509Ptr certificate = parse_certificate_pem(query.column_text(0));
  if (!certificate) {
    take_openssl_errors();
    throw DatabaseError("the CA certificate stored in the registry is unreadable", SQLITE_CORRUPT);
  }
  return sha256_fingerprint(certificate.get());
}

std::vector<Device> load_devices(SqliteDatabase& db) {
  Statement query = db.prepare(fmt::format("SELECT {} FROM devices ORDER BY name", kDeviceColumns));
  std::vector<Device> devices;
  while (query.step()) devices.push_back(read_device(query));
  return devices;
}

std::optional<Device> find_device(SqliteDatabase& db, std::string_view name) {
  Statement query =
      db.prepare(fmt::format("SELECT {} FROM devices WHERE name = ?1", kDeviceColumns));
  query.bind(1, name);
  if (!query.step()) return std::nullopt;
  return read_device(query);
}

std::vector<Role> load_roles(SqliteDatabase& db) {
  Statement query = db.prepare("SELECT name, client_id_rule FROM roles ORDER BY name");
  std::vector<Role> roles;
  while (query.step()) roles.push_back(read_role(query));
  return roles;
}

std::optional<Role> find_role(SqliteDatabase& db, std::string_view name) {
  Statement query = db.prepare("SELECT name, client_id_rule FROM roles WHERE name = ?1");
  query.bind(1, name);
  if (!query.step()) return std::nullopt;
  return read_role(query);
}

std::vector<RoleRule> load_role_rules(SqliteDatabase& db) {
  Statement query =
      db.prepare("SELECT role, effect, action, pattern FROM role_rules ORDER BY role, id");
  std::vector<RoleRule> rules;
  while (query.step()) rules.push_back(read_rule(query));
  return rules;
}

std::vector<RoleRule> load_role_rules(SqliteDatabase& db, std::string_view role) {
  Statement query = db.prepare(
      "SELECT role, effect, action, pattern FROM role_rules WHERE role = ?1 ORDER BY id");
  query.bind(1, role);
  std::vector<RoleRule> rules;
  while (query.step()) rules.push_back(read_rule(query));
  return rules;
}

std::vector<CertificateRecord> load_certificates(SqliteDatabase& db,
                                                 std::optional<std::string_view> device,
                                                 std::optional<CertificateKind> kind) {
  Statement query =
      db.prepare(fmt::format("SELECT {} FROM certificates WHERE (?1 IS NULL OR device = ?1) AND "
                             "(?2 IS NULL OR kind = ?2) ORDER BY issued_at, serial",
                             kCertificateColumns));
  if (device) {
    query.bind(1, *device);
  } else {
    query.bind_null(1);
  }
  if (kind) {
    query.bind(2, to_string(*kind));
  } else {
    query.bind_null(2);
  }
  std::vector<CertificateRecord> certificates;
  while (query.step()) certificates.push_back(read_certificate(query));
  return certificates;
}

std::optional<CertificateRecord> find_certificate(SqliteDatabase& db, std::string_view serial) {
  Statement query =
      db.prepare(fmt::format("SELECT {} FROM certificates WHERE serial = ?1", kCertificateColumns));
  query.bind(1, serial);
  if (!query.step()) return std::nullopt;
  return read_certificate(query);
}

RegistryContents load_registry(SqliteDatabase& db) {
  ReadTransaction transaction(db);
  RegistryContents contents;
  contents.change_counter = read_change_counter(db);
  contents.ca_certificate_sha256 = read_ca_certificate_sha256(db);
  contents.devices = load_devices(db);
  contents.roles = load_roles(db);
  contents.rules = load_role_rules(db);
  contents.device_certificates = load_certificates(db, std::nullopt, CertificateKind::kDevice);
  return contents;
}

std::optional<RegistryChanges> load_registry_changes(SqliteDatabase& db, std::int64_t after) {
  ReadTransaction transaction(db);
  RegistryChanges changes;
  changes.after = after;
  changes.change_counter = read_change_counter(db);
  changes.ca_certificate_sha256 = read_ca_certificate_sha256(db);
  std::vector<RegistryChange> rows;
  {
    Statement query = db.prepare(
        "SELECT counter, entity, key, device FROM change_log WHERE counter > ?1 ORDER BY counter");
    query.bind(1, after);
    while (query.step()) {
      const std::optional<ChangedEntity> entity = parse_changed_entity(query.column_text(1));
      if (!entity) return std::nullopt;  // unknown to this build: read everything instead
      rows.push_back(RegistryChange{query.column_int64(0), *entity,
                                    std::string(query.column_text(2)),
                                    query.column_optional_text(3)});
    }
  }
  std::optional<ChangedNames> names = changed_names(after, changes.change_counter, rows);
  if (!names) return std::nullopt;
  for (const std::string& name : names->devices) {
    if (std::optional<Device> device = find_device(db, name)) {
      changes.devices.push_back(std::move(*device));
    }
    // Not load_certificates: its optional filters keep SQLite off the device index, and a
    // scan of 100,000 certificates per changed device is what this path exists to avoid.
    Statement certificates = db.prepare(fmt::format(
        "SELECT {} FROM certificates WHERE device = ?1 AND kind = 'device' "
        "ORDER BY issued_at, serial",
        kCertificateColumns));
    certificates.bind(1, name);
    while (certificates.step()) {
      changes.device_certificates.push_back(read_certificate(certificates));
    }
  }
  for (const std::string& name : names->roles) {
    if (std::optional<Role> role = find_role(db, name)) changes.roles.push_back(std::move(*role));
    for (RoleRule& rule : load_role_rules(db, name)) changes.rules.push_back(std::move(rule));
  }
  changes.names = std::move(*names);
  return changes;
}

}  // namespace certacl
