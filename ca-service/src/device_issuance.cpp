#include "device_issuance.h"

#include <fmt/format.h>

#include "audit.h"
#include "ca_error.h"
#include "certacl/certificate_facts.h"
#include "certacl/registry.h"
#include "csr_policy.h"
#include "device_registry.h"
#include "table.h"

namespace certacl::ca {
namespace {

std::string_view action_name(IssueAction action) {
  switch (action) {
    case IssueAction::kSign:
      return "sign";
    case IssueAction::kEnroll:
      return "enroll";
    case IssueAction::kRenew:
      return "renew";
  }
  return "sign";
}

bool has_certificate(SqliteDatabase& db, const std::string& device) {
  return !load_certificates(db, std::string_view(device), CertificateKind::kDevice).empty();
}

}  // namespace

IssuedCertificate issue_device_certificate(SqliteDatabase& db,
                                           const CertificateAuthority& authority,
                                           const DeviceIssueRequest& request) {
  CsrVerdict verdict = validate_csr_pem(request.csr_pem);
  if (!verdict.accepted) {
    throw CaError(ExitCode::kBadInput,
                  fmt::format("cannot sign CSR '{}': {}", request.csr_origin, verdict.problem));
  }
  const AcceptedCsr& csr = *verdict.accepted;
  const Validity validity = validity_for(request.days, request.backdate_days, kMaxLeafDays);
  try {
    WriteTransaction transaction(db);
    const Device device = require_device(db, csr.common_name);
    if (request.action == IssueAction::kRenew && !has_certificate(db, device.name)) {
      throw CaError(ExitCode::kNotFound,
                    "it has no certificate to renew (use 'sign' for a first certificate)");
    }
    CertificateOrder order;
    order.profile = Profile::kDevice;
    order.common_name = device.name;
    order.subject_key = csr.public_key.get();
    if (device.san_dns) order.alt_names.dns.push_back(*device.san_dns);
    if (device.san_uri) order.alt_names.uri.push_back(*device.san_uri);
    order.not_before = validity.not_before;
    order.not_after = validity.not_after;
    const X509Ptr certificate = authority.issue(db, order, CertificateKind::kDevice, device.name);
    IssuedCertificate issued{device.name, serial_hex(certificate.get()),
                             certificate_to_pem(certificate.get())};
    append_audit(db, std::string(action_name(request.action)), device.name, issued.serial,
                 fmt::format("not_before={} not_after={}", format_utc(validity.not_before),
                             format_utc(validity.not_after)));
    transaction.commit();
    return issued;
  } catch (const CaError& error) {
    throw CaError(error.code(),
                  fmt::format("cannot {} CSR from device '{}': {}", action_name(request.action),
                              csr.common_name, error.what()));
  }
}

}  // namespace certacl::ca
