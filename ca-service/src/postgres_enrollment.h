#pragma once
// EST enrollment on a PostgreSQL registry (certacl-ca serve and device token|token-revoke
// with --db postgresql://…): the same checks, refusals and audit rows as the SQLite use
// cases (enrollment_token.h, est_enrollment.h). Each use case is one SERIALIZABLE
// transaction behind the CA writer lock (PostgresStore::in_write_transaction), so a 200 means
// committed, and two requests with one token are decided one after the other: the second
// finds the token used. A refusal rolls its transaction back and is then audited on its own.
// Times come from the database server's clock, one clock for every CA host.

#include <cstdint>
#include <string>
#include <vector>

#include "certacl/store/postgres_store.h"
#include "certificate_authority.h"
#include "device_issuance.h"
#include "enrollment_token.h"
#include "est_enrollment.h"

namespace certacl::ca {

// `device token NAME`: throws CaError (kNotFound, kConflict for a disabled device, kBadInput).
[[nodiscard]] NewEnrollmentToken create_enrollment_token(store::PostgresStore& store,
                                                         const std::string& device,
                                                         std::int64_t ttl_seconds);
// `device token-revoke NAME`: returns how many unused tokens were revoked.
int revoke_enrollment_tokens(store::PostgresStore& store, const std::string& device);

// simpleenroll / simplereenroll. Throw EnrollmentRefused (audited), StoreRefusal or
// PostgresError (not the client's fault: the server answers 503 or 500).
[[nodiscard]] IssuedCertificate enroll_with_token(store::PostgresStore& store,
                                                  const CertificateAuthority& authority,
                                                  const TokenEnrollment& request);
[[nodiscard]] IssuedCertificate reenroll_with_certificate(store::PostgresStore& store,
                                                          const CertificateAuthority& authority,
                                                          const CertificateReenrollment& request);
// Revokes (superseded) every replaced certificate whose overlap has ended, in one transaction.
std::vector<std::string> revoke_due_supersessions(store::PostgresStore& store);

}  // namespace certacl::ca
