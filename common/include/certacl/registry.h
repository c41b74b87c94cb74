#pragma once
// Plain read model of the registry (devices, roles and their rules, issued certificates),
// shared by certacl-ca and the broker plugin. Writes live in ca-service only.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "certacl/sqlite.h"

namespace certacl {

enum class RuleEffect { kAllow, kDeny };
enum class RuleAction { kPublish, kSubscribe };
enum class CertificateKind { kDevice, kServer };
// Which MQTT client ids a role's devices may use (docs/PLUGIN.md, "Client ids"): exactly the
// device name, or `<device>-<suffix>` so that one device can hold several connections.
enum class RoleClientIdRule { kExact, kPrefix };

[[nodiscard]] std::string_view to_string(RuleEffect effect) noexcept;
[[nodiscard]] std::string_view to_string(RuleAction action) noexcept;
[[nodiscard]] std::string_view to_string(CertificateKind kind) noexcept;
[[nodiscard]] std::optional<RuleEffect> parse_rule_effect(std::string_view text) noexcept;
[[nodiscard]] std::optional<RuleAction> parse_rule_action(std::string_view text) noexcept;
[[nodiscard]] std::optional<CertificateKind> parse_certificate_kind(std::string_view text) noexcept;
[[nodiscard]] std::string_view to_string(RoleClientIdRule rule) noexcept;
[[nodiscard]] std::optional<RoleClientIdRule> parse_role_client_id_rule(
    std::string_view text) noexcept;

struct Role {
  std::string name;
  RoleClientIdRule client_id_rule = RoleClientIdRule::kExact;
};

struct Device {
  std::string name;
  std::string role;
  bool enabled = false;
  std::optional<std::string> san_dns;
  std::optional<std::string> san_uri;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

struct RoleRule {
  std::string role;
  RuleEffect effect = RuleEffect::kDeny;
  RuleAction action = RuleAction::kPublish;
  std::string pattern;
};

// One issued certificate. Serial is upper-case hex without leading zeros (BN_bn2hex);
// sha256 is the lower-case hex SHA-256 of the DER encoding; times are Unix seconds.
struct CertificateRecord {
  std::string serial;
  CertificateKind kind = CertificateKind::kDevice;
  std::optional<std::string> device;
  std::string subject;
  std::string issuer;
  std::int64_t not_before = 0;
  std::int64_t not_after = 0;
  std::string sha256;
  std::int64_t issued_at = 0;
  std::optional<std::int64_t> revoked_at;
  std::optional<std::int64_t> revocation_reason;

  [[nodiscard]] bool revoked() const noexcept { return revoked_at.has_value(); }
};

// Everything the broker needs, read in one transaction so it is self-consistent.
struct RegistryContents {
  std::int64_t change_counter = 0;
  std::string ca_certificate_sha256;  // of the CA that issued it; "" before init
  std::vector<Device> devices;
  std::vector<Role> roles;  // absent role: exact client ids
  std::vector<RoleRule> rules;
  std::vector<CertificateRecord> device_certificates;
};

// One row of the change log (SQLite's change_log, PostgreSQL's certacl.change_log): `key` is
// the device name, role name or certificate serial; `device` is the device concerned (for a
// certificate, its holder), if any.
enum class ChangedEntity { kDevice, kRole, kCertificate };
[[nodiscard]] std::optional<ChangedEntity> parse_changed_entity(std::string_view text) noexcept;

struct RegistryChange {
  std::int64_t counter = 0;
  ChangedEntity entity = ChangedEntity::kDevice;
  std::string key;
  std::optional<std::string> device;
};

// Which devices and roles the change-log rows after `after` touched, when those rows bring
// the registry exactly to `current` (one row per counter value, none missing); nullopt when
// they do not (a pruned log, a counter bumped without a row): the reader must load it all.
struct ChangedNames {
  std::vector<std::string> devices;  // sorted, unique
  std::vector<std::string> roles;    // sorted, unique
  std::size_t rows = 0;
};
[[nodiscard]] std::optional<ChangedNames> changed_names(std::int64_t after, std::int64_t current,
                                                        const std::vector<RegistryChange>& rows);

// What changed after a counter, read in one transaction so it is self-consistent: every
// touched device with all its device certificates, every touched role with its rules. A
// touched name missing from `devices` (`roles`) was removed; its certificates stay as history.
struct RegistryChanges {
  std::int64_t after = 0;           // the counter these changes start from (exclusive)
  std::int64_t change_counter = 0;  // the counter they bring the registry to
  std::string ca_certificate_sha256;
  ChangedNames names;
  std::vector<Device> devices;
  std::vector<CertificateRecord> device_certificates;  // of the touched devices only
  std::vector<Role> roles;
  std::vector<RoleRule> rules;  // of the touched roles only, database order
};

[[nodiscard]] std::int64_t read_change_counter(SqliteDatabase& db);
// Lower-case hex SHA-256 of the CA certificate's DER, or "" when no CA exists yet.
[[nodiscard]] std::string read_ca_certificate_sha256(SqliteDatabase& db);
[[nodiscard]] std::vector<Device> load_devices(SqliteDatabase& db);
[[nodiscard]] std::optional<Device> find_device(SqliteDatabase& db, std::string_view name);
[[nodiscard]] std::vector<Role> load_roles(SqliteDatabase& db);
[[nodiscard]] std::optional<Role> find_role(SqliteDatabase& db, std::string_view name);
[[nodiscard]] std::vector<RoleRule> load_role_rules(SqliteDatabase& db);
[[nodiscard]] std::vector<RoleRule> load_role_rules(SqliteDatabase& db, std::string_view role);
// `device` filters to one device; kind filters to device or server certificates.
[[nodiscard]] std::vector<CertificateRecord> load_certificates(
    SqliteDatabase& db, std::optional<std::string_view> device = std::nullopt,
    std::optional<CertificateKind> kind = std::nullopt);
[[nodiscard]] std::optional<CertificateRecord> find_certificate(SqliteDatabase& db,
                                                                std::string_view serial);
[[nodiscard]] RegistryContents load_registry(SqliteDatabase& db);
// The change-log rows after `after` and the rows they name, or nullopt when the log cannot
// bring `after` to the current counter (changed_names above): then load_registry.
[[nodiscard]] std::optional<RegistryChanges> load_registry_changes(SqliteDatabase& db,
                                                                   std::int64_t after);

}  // namespace certacl
