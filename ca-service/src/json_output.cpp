#include "json_output.h"

#include "certacl/identity.h"
#include "revocation.h"
#include "table.h"

namespace certacl::ca {
namespace {

template <typename T>
nlohmann::json optional_value(const std::optional<T>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

// null for a valid name; why not for one an older build stored.
nlohmann::json name_problem(const std::string& name) {
  const std::string_view problem = device_name_problem(name);
  return problem.empty() ? nlohmann::json(nullptr) : nlohmann::json(std::string(problem));
}

}  // namespace

std::string dump_json(const nlohmann::json& value) {
  return value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string display_name(const std::string& name) {
  return device_name_problem(name).empty() ? name : escape_for_display(name);
}

std::string certificate_status(const CertificateRecord& record, std::int64_t now) {
  if (record.revoked()) return "revoked";
  if (now >= record.not_after) return "expired";
  if (now < record.not_before) return "not-yet-valid";
  return "valid";
}

nlohmann::json to_json(const Device& device) {
  return {{"name", device.name},
          {"role", device.role},
          {"enabled", device.enabled},
          {"san_dns", optional_value(device.san_dns)},
          {"san_uri", optional_value(device.san_uri)},
          {"created_at", device.created_at},
          {"updated_at", device.updated_at},
          {"name_problem", name_problem(device.name)}};
}

nlohmann::json to_json(const RoleRule& rule) {
  return {{"role", rule.role},
          {"effect", std::string(to_string(rule.effect))},
          {"action", std::string(to_string(rule.action))},
          {"pattern", rule.pattern}};
}

nlohmann::json to_json(const CertificateRecord& record, std::int64_t now) {
  nlohmann::json reason = nullptr;
  if (record.revocation_reason) {
    reason = std::string(revocation_reason_name(*record.revocation_reason));
  }
  return {{"serial", record.serial},
          {"kind", std::string(to_string(record.kind))},
          {"device", optional_value(record.device)},
          {"subject", record.subject},
          {"issuer", record.issuer},
          {"not_before", record.not_before},
          {"not_after", record.not_after},
          {"sha256", record.sha256},
          {"issued_at", record.issued_at},
          {"status", certificate_status(record, now)},
          {"revoked_at", optional_value(record.revoked_at)},
          {"revocation_reason", reason}};
}

nlohmann::json to_json(const AuditEntry& entry) {
  return {{"id", entry.id},
          {"at", entry.at},
          {"actor", entry.actor},
          {"action", entry.action},
          {"device", optional_value(entry.device)},
          {"serial", optional_value(entry.serial)},
          {"detail", entry.detail}};
}

}  // namespace certacl::ca
