#pragma once
// Issuing a device certificate from a CSR: the policy checks, then serial allocation,
// signing, the certificates row and the audit row in one BEGIN IMMEDIATE transaction.

#include <functional>
#include <string>

#include "certacl/sqlite.h"
#include "certificate_authority.h"
#include "csr_policy.h"

namespace certacl::ca {

// kEstEnroll / kEstReenroll: over the network (certacl-ca serve), named so in the audit log.
enum class IssueAction { kSign, kEnroll, kRenew, kEstEnroll, kEstReenroll };

struct DeviceIssueRequest {
  std::string csr_pem;
  std::string csr_origin;  // for messages: the CSR file name, or "generated"
  int days = 365;
  int backdate_days = 0;
  IssueAction action = IssueAction::kSign;
};

struct IssuedCertificate {
  std::string device;
  std::string serial;
  std::string pem;
  X509Ptr certificate;  // the same, as an object: answers are built without parsing pem
};

// "sign", "enroll", ... as the audit log names them.
[[nodiscard]] std::string_view action_name(IssueAction action);
// What every device certificate carries: CN = device, its SANs, the key of the CSR.
[[nodiscard]] CertificateOrder device_certificate_order(const Device& device,
                                                        const AcceptedCsr& csr,
                                                        const Validity& validity);
// The audit detail of an issuance: its validity, then `extra` when not empty.
[[nodiscard]] std::string issue_audit_detail(const Validity& validity, const std::string& extra);

// What both stores share around their own issuance transaction: the CSR is validated
// (CaError(kBadInput) naming request.csr_origin), the validity computed, then `issue` runs;
// a CaError it throws is prefixed with "cannot <action> CSR from device '<CN>': ".
using StoreIssuance = std::function<IssuedCertificate(const AcceptedCsr&, const Validity&)>;
[[nodiscard]] IssuedCertificate issue_from_request(const DeviceIssueRequest& request,
                                                   const StoreIssuance& issue);

// Throws CaError naming the device and the cause; the database is unchanged on error.
// Returns after COMMIT; the caller writes the output file.
[[nodiscard]] IssuedCertificate issue_device_certificate(SqliteDatabase& db,
                                                         const CertificateAuthority& authority,
                                                         const DeviceIssueRequest& request);

// Valid from now (minus the clock skew allowance) for `lifetime_seconds`, which may be as
// short as a minute so renewal can be tested. Throws CaError(kBadInput) outside
// 60s..kMaxLeafDays.
[[nodiscard]] Validity validity_for_lifetime(std::int64_t lifetime_seconds);

// The steps after the CSR passed validate_csr_pem, inside the caller's write transaction:
// the device must be registered and enabled, then serial, signature, certificates row and
// audit row (`audit_detail` is appended to it). Throws CaError without context.
[[nodiscard]] IssuedCertificate issue_in_transaction(SqliteDatabase& db,
                                                     const CertificateAuthority& authority,
                                                     const AcceptedCsr& csr,
                                                     const Validity& validity, IssueAction action,
                                                     const std::string& audit_detail);

}  // namespace certacl::ca
