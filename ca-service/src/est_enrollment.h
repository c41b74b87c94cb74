#pragma once
// The two EST use cases (RFC 7030 simpleenroll, simplereenroll) as the CA sees them, free
// of HTTP: each owns its transaction, calls the same policy and issuance steps as
// `certacl-ca sign`, and says why it refuses in words an HTTP handler can pass on.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

#include "ca_error.h"
#include "certacl/openssl_handles.h"
#include "certacl/sqlite.h"
#include "certificate_authority.h"
#include "csr_policy.h"
#include "device_issuance.h"
#include "enrollment_token.h"

namespace certacl::ca {

// How a refusal maps to HTTP (est/ turns these into 401, 403, 400).
enum class RefusalKind {
  kUnauthenticated,  // token missing, wrong, used, expired, revoked, of another device
  kForbidden,        // certificate not ours, revoked, expired; device unknown or disabled
  kBadRequest,       // CSR malformed, weak, naming another device, compromised key
};

class EnrollmentRefused : public std::runtime_error {
 public:
  EnrollmentRefused(RefusalKind kind, const std::string& reason)
      : std::runtime_error(reason), kind_(kind) {}
  [[nodiscard]] RefusalKind kind() const noexcept { return kind_; }

 private:
  RefusalKind kind_;
};

struct TokenEnrollment {
  std::string device;  // HTTP Basic user name, as sent
  std::string token;   // HTTP Basic password, as sent
  std::string csr_pem;
  std::int64_t lifetime_seconds = 0;
  std::string peer;  // client address, for the audit log
  // The CSR already parsed and judged by validate_csr, used instead of csr_pem when set:
  // the server does that work on its worker threads, not on the one writer. Its verdict
  // is still only looked at after the token check.
  const CsrVerdict* checked_csr = nullptr;
};

// simpleenroll. On success the certificate row, the token's use and the audit row are
// committed together; on any refusal nothing of them is, only the refusal's audit row. Throws
// EnrollmentRefused; DatabaseError when the database stays locked (the caller answers 503).
[[nodiscard]] IssuedCertificate enroll_with_token(SqliteDatabase& db,
                                                  const CertificateAuthority& authority,
                                                  const TokenEnrollment& request);
// The same inside the caller's write transaction (the server commits several at once):
// a refusal rolls back to a savepoint, leaves its audit row in the caller's transaction,
// and is thrown.
[[nodiscard]] IssuedCertificate enroll_with_token_in_transaction(
    SqliteDatabase& db, const CertificateAuthority& authority, const TokenEnrollment& request);

struct CertificateReenrollment {
  const X509* presented = nullptr;  // the client certificate of the mutual TLS session
  std::string csr_pem;
  std::int64_t lifetime_seconds = 0;
  std::int64_t supersede_after_seconds = 0;
  std::string peer;
  const CsrVerdict* checked_csr = nullptr;  // as in TokenEnrollment
};

// simplereenroll: the presented certificate must be one certacl recorded (same bytes),
// unrevoked, in validity, of an enabled device; the CSR must name that device and must
// not carry a key revoked for keyCompromise. The presented certificate is scheduled to be
// revoked as 'superseded' supersede_after_seconds from now.
[[nodiscard]] IssuedCertificate reenroll_with_certificate(SqliteDatabase& db,
                                                          const CertificateAuthority& authority,
                                                          const CertificateReenrollment& request);
[[nodiscard]] IssuedCertificate reenroll_with_certificate_in_transaction(
    SqliteDatabase& db, const CertificateAuthority& authority,
    const CertificateReenrollment& request);

// Revokes (reason superseded) every replaced certificate whose overlap has ended; returns
// their serials. Owns its transaction. Run periodically by the server.
std::vector<std::string> revoke_due_supersessions(SqliteDatabase& db, std::int64_t now);
std::vector<std::string> revoke_due_supersessions_in_transaction(SqliteDatabase& db,
                                                                 std::int64_t now);

// Shared by both stores (est_enrollment.cpp here, postgres_enrollment.cpp).
// A refused request's audit row: the claimed device only when it is a valid device name.
struct RefusalAudit {
  std::optional<std::string> device;
  std::string detail;
};
[[nodiscard]] RefusalAudit refusal_audit(const std::string& device, const std::string& reason,
                                         const std::string& peer);
// The first steps of simpleenroll: the token found by digest (`stored`) must let
// request.device enroll at `now` (else EnrollmentRefused kUnauthenticated: authentication
// before anything else, so the body of an unauthenticated client tells a guesser nothing),
// then the CSR must be acceptable and name that device. Returns the accepted CSR.
[[nodiscard]] const AcceptedCsr& authenticate_enrollment(const std::optional<StoredToken>& stored,
                                                         const TokenEnrollment& request,
                                                         std::int64_t now, CsrVerdict& own);
// kBadInput -> 400, anything else the CA refuses -> 403.
[[nodiscard]] RefusalKind refusal_kind_of(const CaError& error);
// The request's CSR (judged by the caller already, or now from `csr_pem` into `own`) must be
// acceptable and name `device`; throws EnrollmentRefused(kBadRequest).
[[nodiscard]] const AcceptedCsr& accept_csr_for(const CsrVerdict* checked,
                                                const std::string& csr_pem, CsrVerdict& own,
                                                const std::string& device);
// The presented certificate's single CN, or "(no single CN)": what it claims before the
// registry vouches for it.
[[nodiscard]] std::string claimed_device(const X509* presented);
// `record` is the registry's row for the presented certificate's serial (if any): it must be
// the same bytes, a device's, unrevoked and valid at `now`. Throws EnrollmentRefused.
[[nodiscard]] CertificateRecord require_recorded_certificate(
    const std::optional<CertificateRecord>& record, const X509* presented, std::int64_t now);

}  // namespace certacl::ca
