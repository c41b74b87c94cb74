#include "device_issuance.h"

#include <fmt/format.h>

#include "audit.h"
#include "ca_database.h"
#include "ca_error.h"
#include "certacl/certificate_facts.h"
#include "certacl/registry.h"
#include "csr_policy.h"
#include "device_registry.h"
#include "table.h"

namespace certacl::ca {

std::string_view action_name(IssueAction action) {
  switch (action) {
    case IssueAction::kSign:
      return "sign";
    case IssueAction::kEnroll:
      return "enroll";
    case IssueAction::kRenew:
      return "renew";
    case IssueAction::kEstEnroll:
      return "est-enroll";
    case IssueAction::kEstReenroll:
      return "est-reenroll";
  }
  return "sign";
}

namespace {

bool has_certificate(SqliteDatabase& db, const std::string& device) {
  return !load_certificates(db, std::string_view(device), CertificateKind::kDevice).empty();
}

}  // namespace

Validity validity_for_lifetime(std::int64_t lifetime_seconds) {
  constexpr std::int64_t kMinLifetimeSeconds = 60;
  constexpr std::int64_t kMaxLifetimeSeconds = std::int64_t{kMaxLeafDays} * 86400;
  if (lifetime_seconds < kMinLifetimeSeconds || lifetime_seconds > kMaxLifetimeSeconds) {
    throw CaError(ExitCode::kBadInput,
                  fmt::format("lifetime {}s is out of range ({}s..{}s)", lifetime_seconds,
                              kMinLifetimeSeconds, kMaxLifetimeSeconds));
  }
  const std::int64_t now = unix_now();
  return Validity{now - kClockSkewSeconds, now + lifetime_seconds};
}

IssuedCertificate issue_in_transaction(SqliteDatabase& db, const CertificateAuthority& authority,
                                       const AcceptedCsr& csr, const Validity& validity,
                                       IssueAction action, const std::string& audit_detail) {
  const Device device = require_device(db, csr.common_name);
  if (action == IssueAction::kRenew && !has_certificate(db, device.name)) {
    throw CaError(ExitCode::kNotFound,
                  "it has no certificate to renew (use 'sign' for a first certificate)");
  }
  X509Ptr certificate = authority.issue(db, device_certificate_order(device, csr, validity),
                                        CertificateKind::kDevice, device.name);
  IssuedCertificate issued{device.name, serial_hex(certificate.get()),
                           certificate_to_pem(certificate.get()), std::move(certificate)};
  append_audit(db, std::string(action_name(action)), device.name, issued.serial,
               issue_audit_detail(validity, audit_detail));
  return issued;
}

CertificateOrder device_certificate_order(const Device& device, const AcceptedCsr& csr,
                                          const Validity& validity) {
  CertificateOrder order;
  order.profile = Profile::kDevice;
  order.common_name = device.name;
  order.subject_key = csr.public_key.get();
  order.subject_spki = csr.spki.get();
  if (device.san_dns) order.alt_names.dns.push_back(*device.san_dns);
  if (device.san_uri) order.alt_names.uri.push_back(*device.san_uri);
  order.not_before = validity.not_before;
  order.not_after = validity.not_after;
  return order;
}

std::string issue_audit_detail(const Validity& validity, const std::string& extra) {
  std::string detail = fmt::format("not_before={} not_after={}", format_utc(validity.not_before),
                                   format_utc(validity.not_after));
  if (!extra.empty()) detail += " " + extra;
  return detail;
}

IssuedCertificate issue_from_request(const DeviceIssueRequest& request,
                                     const StoreIssuance& issue) {
  CsrVerdict verdict = validate_csr_pem(request.csr_pem);
  if (!verdict.accepted) {
    throw CaError(ExitCode::kBadInput,
                  fmt::format("cannot sign CSR '{}': {}", request.csr_origin, verdict.problem));
  }
  const AcceptedCsr& csr = *verdict.accepted;
  const Validity validity = validity_for(request.days, request.backdate_days, kMaxLeafDays);
  try {
    return issue(csr, validity);
  } catch (const CaError& error) {
    throw CaError(error.code(),
                  fmt::format("cannot {} CSR from device '{}': {}", action_name(request.action),
                              csr.common_name, error.what()));
  }
}

IssuedCertificate issue_device_certificate(SqliteDatabase& db,
                                           const CertificateAuthority& authority,
                                           const DeviceIssueRequest& request) {
  return issue_from_request(request, [&](const AcceptedCsr& csr, const Validity& validity) {
    WriteTransaction transaction(db);
    IssuedCertificate issued =
        issue_in_transaction(db, authority, csr, validity, request.action, {});
    transaction.commit();
    return issued;
  });
}

}  // namespace certacl::ca
