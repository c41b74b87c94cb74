#include "fleet.h"

#include <fmt/format.h>

#include <charconv>

#include "certacl/schema.h"
#include "certacl/sqlite.h"

namespace certacl::bench {

std::string device_name(std::size_t index) {
  return fmt::format("sensor-{}", index);
}
std::string serial_of(std::size_t index) {
  return fmt::format("{:X}", 0x1000000 + index);
}

std::vector<RoleRule> sensor_rules(std::size_t rule_count) {
  std::vector<RoleRule> rules;
  rules.push_back({"sensor", RuleEffect::kDeny, RuleAction::kPublish, "fleet/%u/secret"});
  for (std::size_t i = 0; rules.size() + 1 < rule_count; ++i) {
    const RuleAction action = i % 2 == 0 ? RuleAction::kPublish : RuleAction::kSubscribe;
    rules.push_back({"sensor", RuleEffect::kAllow, action, fmt::format("fleet/zone-{}/+/data", i)});
  }
  // The rule the benchmark's topic actually needs comes last.
  rules.push_back({"sensor", RuleEffect::kAllow, RuleAction::kPublish, "fleet/%u/#"});
  return rules;
}

RegistryContents fleet_member(std::size_t index) {
  RegistryContents contents;
  Device device;
  device.name = device_name(index);
  device.role = "sensor";
  device.enabled = true;
  contents.devices.push_back(std::move(device));
  CertificateRecord certificate;
  certificate.serial = serial_of(index);
  certificate.device = device_name(index);
  certificate.subject = "CN=" + device_name(index);
  certificate.issuer = "CN=bench CA";
  certificate.not_before = kNow - 3600;
  certificate.not_after = kNow + 3600;
  certificate.sha256 = fmt::format("{:064x}", index);
  contents.device_certificates.push_back(std::move(certificate));
  return contents;
}

RegistryContents fleet(std::size_t devices, std::size_t rule_count) {
  RegistryContents contents;
  contents.change_counter = 1;
  contents.rules = sensor_rules(rule_count);
  contents.devices.reserve(devices);
  contents.device_certificates.reserve(devices);
  for (std::size_t i = 0; i < devices; ++i) {
    RegistryContents member = fleet_member(i);
    contents.devices.push_back(std::move(member.devices.front()));
    contents.device_certificates.push_back(std::move(member.device_certificates.front()));
  }
  return contents;
}

RegistryChanges revocation(std::int64_t after, const std::string& ca_certificate_sha256,
                           std::size_t index) {
  RegistryChanges changes;
  changes.after = after;
  changes.change_counter = after + 1;
  changes.ca_certificate_sha256 = ca_certificate_sha256;
  changes.names.devices = {device_name(index)};
  changes.names.rows = 1;
  RegistryContents one = fleet_member(index);
  changes.devices = std::move(one.devices);
  for (CertificateRecord& revoked : one.device_certificates) {
    revoked.revoked_at = kNow;
    revoked.revocation_reason = 1;
    changes.device_certificates.push_back(std::move(revoked));
  }
  return changes;
}

std::optional<int> count_argument(std::string_view text, int minimum) {
  int count = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), count);
  if (error != std::errc() || end != text.data() + text.size() || count < minimum) {
    return std::nullopt;
  }
  return count;
}

void write_fleet_database(const std::string& path, std::size_t devices) {
  SqliteDatabase db(path, SqliteDatabase::Access::ReadWriteCreate);
  db.configure_as_writer(std::chrono::seconds(5));
  apply_migrations(db);
  write_fleet_rows(db, devices);
}

void write_fleet_rows(SqliteDatabase& db, std::size_t devices) {
  WriteTransaction transaction(db);
  db.exec("INSERT INTO roles (name, created_at) VALUES ('sensor', 0)");
  Statement rule = db.prepare(
      "INSERT INTO role_rules (role, effect, action, pattern, created_at) VALUES "
      "('sensor', ?1, ?2, ?3, 0)");
  for (const RoleRule& r : sensor_rules(20)) {
    rule.bind(1, to_string(r.effect)).bind(2, to_string(r.action)).bind(3, r.pattern).run();
    rule.reset();
  }
  Statement device = db.prepare(
      "INSERT INTO devices (name, role, enabled, created_at, updated_at) "
      "VALUES (?1, 'sensor', 1, 0, 0)");
  Statement certificate = db.prepare(
      "INSERT INTO certificates (serial, kind, device, subject, issuer, not_before, not_after, "
      "sha256, certificate_pem, issued_at) VALUES (?1, 'device', ?2, ?3, 'CN=bench CA', ?4, ?5, "
      "?6, 'PEM', 0)");
  for (std::size_t i = 0; i < devices; ++i) {
    const std::string name = device_name(i);
    device.bind(1, name).run();
    device.reset();
    certificate.bind(1, serial_of(i))
        .bind(2, name)
        .bind(3, "CN=" + name)
        .bind(4, kNow - 3600)
        .bind(5, kNow + 3600)
        .bind(6, fmt::format("{:064x}", i))
        .run();
    certificate.reset();
  }
  transaction.commit();
}

}  // namespace certacl::bench
