#pragma once
// Issuing a device certificate from a CSR: the policy checks, then serial allocation,
// signing, the certificates row and the audit row in one BEGIN IMMEDIATE transaction.

#include <string>

#include "certacl/sqlite.h"
#include "certificate_authority.h"

namespace certacl::ca {

enum class IssueAction { kSign, kEnroll, kRenew };

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
};

// Throws CaError naming the device and the cause; the database is unchanged on error.
// Returns after COMMIT; the caller writes the output file.
[[nodiscard]] IssuedCertificate issue_device_certificate(SqliteDatabase& db,
                                                         const CertificateAuthority& authority,
                                                         const DeviceIssueRequest& request);

}  // namespace certacl::ca
