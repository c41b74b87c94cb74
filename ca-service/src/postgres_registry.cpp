#include "postgres_registry.h"

#include <fmt/format.h>

#include "ca_error.h"
#include "certacl/certificate_facts.h"
#include "certacl/identity.h"
#include "certacl/openssl_handles.h"
#include "certacl/store/postgres_connection.h"
#include "csr_policy.h"
#include "revocation.h"
#include "role_registry.h"

namespace certacl::ca {
namespace {

using store::PostgresResult;
using store::PostgresStore;

bool exists(PostgresStore& store, std::string_view sql,
            const std::vector<store::SqlParam>& params) {
  return store.connection().exec(sql, params).rows() > 0;
}

void require_role(PostgresStore& store, const std::string& role) {
  if (!exists(store, "SELECT 1 FROM certacl.roles WHERE name = $1", {role})) {
    throw CaError(ExitCode::kNotFound, fmt::format("unknown role '{}'", role));
  }
}

std::string bignum_hex(const BIGNUM* number) {
  const OpensslStringPtr hex(BN_bn2hex(number));
  if (!hex) throw CaError(ExitCode::kKey, "cannot print a serial number");
  return hex.get();
}

BignumPtr bignum_from_hex(const std::string& hex) {
  BIGNUM* raw = nullptr;
  if (BN_hex2bn(&raw, hex.c_str()) == 0) throw CaError(ExitCode::kKey, "cannot parse a serial");
  return BignumPtr(raw);
}

}  // namespace

std::optional<Device> find_device(PostgresStore& store, const std::string& name) {
  const PostgresResult rows = store.connection().exec(
      "SELECT name, role, enabled, san_dns, san_uri, created_at, updated_at "
      "FROM certacl.devices WHERE name = $1",
      {name});
  if (rows.rows() == 0) return std::nullopt;
  return Device{std::string(rows.text(0, 0)),
                std::string(rows.text(0, 1)),
                rows.boolean(0, 2),
                rows.optional_text(0, 3),
                rows.optional_text(0, 4),
                rows.int64(0, 5),
                rows.int64(0, 6)};
}

const std::string_view kCertificateColumns =
    "serial, kind, device, subject, issuer, not_before, not_after, sha256, issued_at, "
    "revoked_at, revocation_reason";

std::vector<CertificateRecord> certificates_from(const PostgresResult& rows) {
  std::vector<CertificateRecord> records;
  records.reserve(static_cast<std::size_t>(rows.rows()));
  for (int row = 0; row < rows.rows(); ++row) {
    const auto kind = parse_certificate_kind(rows.text(row, 1));
    if (!kind) throw CaError(ExitCode::kStorage, "a certificate of unknown kind is registered");
    records.push_back(CertificateRecord{
        std::string(rows.text(row, 0)), *kind, rows.optional_text(row, 2),
        std::string(rows.text(row, 3)), std::string(rows.text(row, 4)), rows.int64(row, 5),
        rows.int64(row, 6), std::string(rows.text(row, 7)), rows.int64(row, 8),
        rows.optional_int64(row, 9), rows.optional_int64(row, 10)});
  }
  return records;
}

std::optional<CertificateRecord> find_certificate(PostgresStore& store, const std::string& serial) {
  auto records = certificates_from(store.connection().exec(
      fmt::format("SELECT {} FROM certacl.certificates WHERE serial = $1", kCertificateColumns),
      {serial}));
  if (records.empty()) return std::nullopt;
  return std::move(records.front());
}

std::unique_ptr<PostgresStore> open_postgres_registry(
    const std::string& url, const std::optional<std::string>& password_file) {
  store::PostgresSettings settings;
  settings.url = url;
  settings.password_file = password_file;
  settings.application_name = "certacl-ca";
  return std::make_unique<PostgresStore>(settings);
}

std::optional<CaRecord> find_ca(PostgresStore& store) {
  const PostgresResult rows = store.connection().exec(
      "SELECT name, certificate_pem, key_path, key_encrypted, created_at FROM certacl.ca");
  if (rows.rows() == 0) return std::nullopt;
  return CaRecord{std::string(rows.text(0, 0)), std::string(rows.text(0, 1)),
                  std::string(rows.text(0, 2)), rows.boolean(0, 3), rows.int64(0, 4)};
}

void insert_ca(PostgresStore& store, const CaRecord& record, const std::string& ca_serial,
               const std::string& detail) {
  store.init_ca(
      store::CaRow{record.name, record.certificate_pem, record.key_path, record.key_encrypted},
      store::AuditDraft{current_actor(), "init", std::nullopt, ca_serial, detail});
}

void add_role(PostgresStore& store, const std::string& role, RoleClientIdRule client_id_rule) {
  check_role_name(role);
  if (exists(store, "SELECT 1 FROM certacl.roles WHERE name = $1", {role})) {
    throw CaError(ExitCode::kConflict, fmt::format("role '{}' already exists", role));
  }
  store.add_role(role, current_actor(), client_id_rule);
}

void add_rule(PostgresStore& store, const RoleRule& rule) {
  check_rule_pattern(rule);
  require_role(store, rule.role);
  if (exists(store,
             "SELECT 1 FROM certacl.role_rules WHERE role = $1 AND effect = $2 AND action = $3 "
             "AND pattern = $4",
             {rule.role, std::string(to_string(rule.effect)), std::string(to_string(rule.action)),
              rule.pattern})) {
    throw CaError(ExitCode::kConflict, rule_exists_message(rule));
  }
  store.add_rule(rule, current_actor());
}

void add_device(PostgresStore& store, const NewDevice& device) {
  check_new_device(device);
  require_role(store, device.role);
  if (find_device(store, device.name)) {
    throw CaError(ExitCode::kConflict, fmt::format("device '{}' already exists", device.name));
  }
  if (device.san_dns &&
      exists(store, "SELECT 1 FROM certacl.devices WHERE san_dns = $1", {*device.san_dns})) {
    throw CaError(
        ExitCode::kConflict,
        fmt::format("DNS name '{}' is already registered to another device", *device.san_dns));
  }
  if (device.san_uri &&
      exists(store, "SELECT 1 FROM certacl.devices WHERE san_uri = $1", {*device.san_uri})) {
    throw CaError(ExitCode::kConflict,
                  fmt::format("URI '{}' is already registered to another device", *device.san_uri));
  }
  store.add_device(Device{device.name, device.role, true, device.san_dns, device.san_uri, 0, 0},
                   current_actor());
}

bool set_device_enabled(PostgresStore& store, const std::string& name, bool enabled) {
  const std::optional<Device> device = find_device(store, name);
  if (!device) throw CaError(ExitCode::kNotFound, fmt::format("unknown device '{}'", name));
  if (device->enabled == enabled) return false;
  store.set_device_enabled(name, enabled, current_actor());
  return true;
}

X509Ptr issue_certificate_in_transaction(PostgresStore& store,
                                         const CertificateAuthority& authority,
                                         CertificateOrder order, CertificateKind kind,
                                         const std::optional<std::string>& device,
                                         const store::AuditDraft& audit) {
  require_certifiable_key(
      order.subject_key,
      exists(store,
             "SELECT 1 FROM certacl.certificates WHERE public_key_sha256 = $1 AND "
             "revocation_reason = $2",
             {subject_key_sha256(order), std::to_string(kReasonKeyCompromise)}));
  X509Ptr issued;
  store.record_certificate(
      [] { return bignum_hex(random_serial().get()); },
      [&](const std::string& drawn) {
        const BignumPtr number = bignum_from_hex(drawn);
        order.serial = number.get();
        issued = build_certificate(order, authority.certificate(), authority.key());
        return store::SignedCertificate{certificate_record(issued.get(), kind, device),
                                        certificate_to_pem(issued.get()),
                                        spki_sha256(X509_get_X509_PUBKEY(issued.get()))};
      },
      audit);
  return issued;
}

X509Ptr issue_certificate(PostgresStore& store, const CertificateAuthority& authority,
                          const CertificateOrder& order, CertificateKind kind,
                          const std::optional<std::string>& device,
                          const store::AuditDraft& audit) {
  X509Ptr issued;
  store.in_write_transaction(
      fmt::format("certificate for '{}'", device.value_or(order.common_name)), [&] {
        issued = issue_certificate_in_transaction(store, authority, order, kind, device, audit);
      });
  return issued;
}

CaRecord require_ca(PostgresStore& store) {
  std::optional<CaRecord> record = find_ca(store);
  if (!record) {
    throw CaError(ExitCode::kNotFound, fmt::format("database '{}' has no CA yet (run 'certacl-ca "
                                                   "init')",
                                                   store.url()));
  }
  return *std::move(record);
}

CertificateAuthority load_authority(PostgresStore& store,
                                    const std::optional<std::string>& passphrase_file) {
  const std::optional<CaRecord> record = require_ca(store);
  X509Ptr certificate = parse_certificate_pem(record->certificate_pem);
  if (!certificate) {
    throw CaError(ExitCode::kStorage,
                  fmt::format("the CA certificate stored in the PostgreSQL registry is "
                              "unreadable: {}",
                              take_openssl_errors()));
  }
  EvpPkeyPtr key =
      load_ca_key(certificate.get(), record->key_path, record->key_encrypted, passphrase_file);
  return CertificateAuthority(std::move(certificate), std::move(key));
}

IssuedCertificate issue_in_transaction(PostgresStore& store, const CertificateAuthority& authority,
                                       const AcceptedCsr& csr, const Validity& validity,
                                       IssueAction action, const std::string& audit_detail) {
  const Device device = require_issuable(find_device(store, csr.common_name), csr.common_name);
  if (action == IssueAction::kRenew &&
      !exists(store, "SELECT 1 FROM certacl.certificates WHERE device = $1", {device.name})) {
    throw CaError(ExitCode::kNotFound,
                  "it has no certificate to renew (use 'sign' for a first certificate)");
  }
  X509Ptr certificate = issue_certificate_in_transaction(
      store, authority, device_certificate_order(device, csr, validity), CertificateKind::kDevice,
      device.name,
      store::AuditDraft{current_actor(), std::string(action_name(action)), device.name,
                        std::nullopt, issue_audit_detail(validity, audit_detail)});
  std::string serial = serial_hex(certificate.get());
  std::string pem = certificate_to_pem(certificate.get());
  return IssuedCertificate{device.name, std::move(serial), std::move(pem), std::move(certificate)};
}

IssuedCertificate issue_device_certificate(PostgresStore& store,
                                           const CertificateAuthority& authority,
                                           const DeviceIssueRequest& request) {
  return issue_from_request(request, [&](const AcceptedCsr& csr, const Validity& validity) {
    IssuedCertificate issued;
    store.in_write_transaction(fmt::format("certificate for device '{}'", csr.common_name), [&] {
      issued = issue_in_transaction(store, authority, csr, validity, request.action, {});
    });
    return issued;
  });
}

std::vector<std::string> remove_device(PostgresStore& store, const std::string& name, int reason) {
  if (!find_device(store, name)) {
    throw CaError(ExitCode::kNotFound, fmt::format("unknown device '{}'", name));
  }
  return store.remove_device(name, reason, current_actor());
}

bool set_role_client_id_rule(PostgresStore& store, const std::string& role, RoleClientIdRule rule) {
  const PostgresResult found =
      store.connection().exec("SELECT client_id_rule FROM certacl.roles WHERE name = $1", {role});
  if (found.rows() == 0) throw CaError(ExitCode::kNotFound, fmt::format("unknown role '{}'", role));
  const std::string current(found.text(0, 0));
  if (current == to_string(rule)) return false;
  store.set_role_client_id_rule(
      role, rule,
      store::AuditDraft{
          current_actor(), "role-set-client-id", std::nullopt, std::nullopt,
          fmt::format("role={} client_id={} (was {})", role, to_string(rule), current)});
  return true;
}

void revoke_serial(PostgresStore& store, const std::string& serial, int reason) {
  const std::optional<CertificateRecord> record = find_certificate(store, serial);
  if (!record) {
    throw CaError(ExitCode::kNotFound, fmt::format("no certificate with serial {}", serial));
  }
  if (record->revoked()) {
    throw CaError(ExitCode::kConflict,
                  fmt::format("certificate {} is already revoked ({})", serial,
                              revocation_reason_name(*record->revocation_reason)));
  }
  store.revoke_serial(serial, reason,
                      store::AuditDraft{current_actor(), "revoke", record->device, serial,
                                        fmt::format("reason={}", revocation_reason_name(reason))});
}

std::vector<std::string> revoke_device(PostgresStore& store, const std::string& device,
                                       int reason) {
  if (!find_device(store, device)) {
    throw CaError(ExitCode::kNotFound, fmt::format("unknown device '{}'", device));
  }
  // Nothing to revoke writes nothing, no audit row either, as on SQLite.
  if (!exists(store, "SELECT 1 FROM certacl.certificates WHERE device = $1 AND revoked_at IS NULL",
              {device})) {
    return {};
  }
  return store.revoke_device(device, reason, current_actor());
}

std::string build_crl_pem(PostgresStore& store, const CertificateAuthority& authority, int days) {
  // One snapshot, so the CRL lists exactly the revocations of one moment.
  store::PostgresTransaction snapshot(
      store.connection(), store::PostgresTransaction::Isolation::kRepeatableReadReadOnly);
  const std::int64_t counter =
      store.connection().exec("SELECT change_counter FROM certacl.state").int64(0, 0);
  const std::vector<CertificateRecord> certificates =
      certificates_from(store.connection().exec(fmt::format(
          "SELECT {} FROM certacl.certificates ORDER BY issued_at, serial", kCertificateColumns)));
  snapshot.commit();
  return build_crl_pem(certificates, counter, authority, days);
}

std::vector<AuditEntry> load_audit(PostgresStore& store, const std::optional<std::string>& device) {
  std::vector<AuditEntry> entries;
  for (store::AuditRow& row : store.load_audit()) {
    if (device && row.entry.device != device) continue;
    entries.push_back(AuditEntry{row.id, row.at, std::move(row.entry.actor),
                                 std::move(row.entry.action), std::move(row.entry.device),
                                 std::move(row.entry.serial), std::move(row.entry.detail)});
  }
  return entries;
}

}  // namespace certacl::ca
