#include "est_enrollment.h"

#include <fmt/format.h>

#include "audit.h"
#include "ca_database.h"
#include "ca_error.h"
#include "certacl/certificate_facts.h"
#include "certacl/identity.h"
#include "certacl/registry.h"
#include "csr_policy.h"
#include "enrollment_token.h"
#include "revocation.h"

namespace certacl::ca {
namespace {

constexpr int kReasonSuperseded = 4;

void audit_refusal(SqliteDatabase& db, const std::string& action, const std::string& device,
                   const std::string& reason, const std::string& peer) {
  const RefusalAudit audit = refusal_audit(device, reason, peer);
  append_audit(db, action, audit.device, std::nullopt, audit.detail);
}

// Runs `attempt` inside a savepoint of the caller's transaction. On refusal its changes
// are rolled back, the refusal is audited in the caller's transaction, and it is thrown
// as EnrollmentRefused. Database errors pass through untouched: they are not the client's
// fault and the caller answers 503.
template <typename Attempt>
IssuedCertificate audited(SqliteDatabase& db, const std::string& action, const std::string& device,
                          const std::string& peer, Attempt attempt) {
  db.exec("SAVEPOINT est_attempt");
  try {
    IssuedCertificate issued = attempt();
    db.exec("RELEASE est_attempt");
    return issued;
  } catch (const EnrollmentRefused& refused) {
    db.exec("ROLLBACK TO est_attempt; RELEASE est_attempt");
    audit_refusal(db, action, device, refused.what(), peer);
    throw;
  } catch (const CaError& error) {
    db.exec("ROLLBACK TO est_attempt; RELEASE est_attempt");
    audit_refusal(db, action, device, error.what(), peer);
    throw EnrollmentRefused(refusal_kind_of(error), error.what());
  }
}

// BEGIN IMMEDIATE .. COMMIT around a use case; a refusal's audit row is committed too.
template <typename UseCase>
IssuedCertificate in_own_transaction(SqliteDatabase& db, UseCase use_case) {
  WriteTransaction transaction(db);
  try {
    IssuedCertificate issued = use_case();
    transaction.commit();
    return issued;
  } catch (const EnrollmentRefused&) {
    transaction.commit();
    throw;
  }
}

}  // namespace

RefusalAudit refusal_audit(const std::string& device, const std::string& reason,
                           const std::string& peer) {
  // The user name of a Basic header, or a certificate's CN, is attacker-chosen text: the
  // device column is only filled with a valid device name.
  const bool plausible = device_name_problem(device).empty();
  return RefusalAudit{plausible ? std::optional<std::string>(device) : std::nullopt,
                      fmt::format("refused: {} (peer {}{})", reason, peer,
                                  plausible ? "" : ", claimed name is not a device name")};
}

const AcceptedCsr& authenticate_enrollment(const std::optional<StoredToken>& stored,
                                           const TokenEnrollment& request, std::int64_t now,
                                           CsrVerdict& own) {
  const TokenProblem problem = judge_token(stored, request.device, now);
  if (problem != TokenProblem::kNone) {
    throw EnrollmentRefused(RefusalKind::kUnauthenticated, std::string(describe(problem)));
  }
  return accept_csr_for(request.checked_csr, request.csr_pem, own, request.device);
}

RefusalKind refusal_kind_of(const CaError& error) {
  return error.code() == ExitCode::kBadInput ? RefusalKind::kBadRequest : RefusalKind::kForbidden;
}

const AcceptedCsr& accept_csr_for(const CsrVerdict* checked, const std::string& csr_pem,
                                  CsrVerdict& own, const std::string& device) {
  if (checked == nullptr) own = validate_csr_pem(csr_pem);
  const CsrVerdict& verdict = checked != nullptr ? *checked : own;
  if (!verdict.accepted) {
    throw EnrollmentRefused(RefusalKind::kBadRequest, "bad CSR: " + verdict.problem);
  }
  if (verdict.accepted->common_name != device) {
    throw EnrollmentRefused(RefusalKind::kBadRequest,
                            fmt::format("CSR names '{}', not the authenticated device '{}'",
                                        verdict.accepted->common_name, device));
  }
  return *verdict.accepted;
}

std::string claimed_device(const X509* presented) {
  const auto claimed = common_names(X509_get_subject_name(presented));
  return claimed.size() == 1 ? claimed.front() : std::string("(no single CN)");
}

// The presented certificate must be exactly one that certacl recorded: the same check the
// broker plugin makes (serial found, same SHA-256 of the DER bytes), so a certificate
// signed with the CA key outside the registry is refused here as it is at the broker.
CertificateRecord require_recorded_certificate(const std::optional<CertificateRecord>& record,
                                               const X509* presented, std::int64_t now) {
  if (!record || record->sha256 != sha256_fingerprint(presented)) {
    throw EnrollmentRefused(RefusalKind::kForbidden,
                            "client certificate was not issued by this CA's registry");
  }
  if (record->kind != CertificateKind::kDevice || !record->device) {
    throw EnrollmentRefused(RefusalKind::kForbidden, "client certificate is not a device's");
  }
  if (record->revoked()) {
    throw EnrollmentRefused(RefusalKind::kForbidden,
                            fmt::format("client certificate {} is revoked ({})", record->serial,
                                        revocation_reason_name(*record->revocation_reason)));
  }
  if (now < record->not_before || now > record->not_after) {
    throw EnrollmentRefused(
        RefusalKind::kForbidden,
        fmt::format("client certificate {} is not within its validity", record->serial));
  }
  return *record;
}

IssuedCertificate enroll_with_token_in_transaction(SqliteDatabase& db,
                                                   const CertificateAuthority& authority,
                                                   const TokenEnrollment& request) {
  const Validity validity = validity_for_lifetime(request.lifetime_seconds);
  return audited(db, "est-enroll-refused", request.device, request.peer, [&] {
    const auto stored = find_token(db, request.token);
    CsrVerdict own;
    const AcceptedCsr& csr = authenticate_enrollment(stored, request, unix_now(), own);
    IssuedCertificate issued =
        issue_in_transaction(db, authority, csr, validity, IssueAction::kEstEnroll,
                             fmt::format("token_id={} peer={}", stored->id, request.peer));
    mark_token_used(db, stored->id, issued.serial);
    return issued;
  });
}

IssuedCertificate enroll_with_token(SqliteDatabase& db, const CertificateAuthority& authority,
                                    const TokenEnrollment& request) {
  return in_own_transaction(
      db, [&] { return enroll_with_token_in_transaction(db, authority, request); });
}

IssuedCertificate reenroll_with_certificate_in_transaction(SqliteDatabase& db,
                                                           const CertificateAuthority& authority,
                                                           const CertificateReenrollment& request) {
  const Validity validity = validity_for_lifetime(request.lifetime_seconds);
  // Until the registry vouches for it, the device is only what the certificate claims;
  // the audit row of a refusal names that claim.
  std::string device = claimed_device(request.presented);
  return audited(db, "est-reenroll-refused", device, request.peer, [&] {
    const std::int64_t now = unix_now();
    const CertificateRecord current = require_recorded_certificate(
        find_certificate(db, serial_hex(request.presented)), request.presented, now);
    device = *current.device;
    // A key revoked for keyCompromise is refused by CertificateAuthority::issue, as on
    // every other path.
    CsrVerdict own;
    const AcceptedCsr& csr = accept_csr_for(request.checked_csr, request.csr_pem, own, device);
    IssuedCertificate issued =
        issue_in_transaction(db, authority, csr, validity, IssueAction::kEstReenroll,
                             fmt::format("replaces={} peer={}", current.serial, request.peer));
    // A retry after a lost response renews again from the same certificate; the first
    // scheduled revocation time is kept, so retries never extend the overlap.
    db.prepare(
          "INSERT INTO pending_supersessions (serial, replaced_by, revoke_at) "
          "VALUES (?1, ?2, ?3) ON CONFLICT (serial) DO NOTHING")
        .bind(1, current.serial)
        .bind(2, issued.serial)
        .bind(3, now + request.supersede_after_seconds)
        .run();
    return issued;
  });
}

IssuedCertificate reenroll_with_certificate(SqliteDatabase& db,
                                            const CertificateAuthority& authority,
                                            const CertificateReenrollment& request) {
  return in_own_transaction(
      db, [&] { return reenroll_with_certificate_in_transaction(db, authority, request); });
}

std::vector<std::string> revoke_due_supersessions(SqliteDatabase& db, std::int64_t now) {
  WriteTransaction transaction(db);
  auto revoked = revoke_due_supersessions_in_transaction(db, now);
  transaction.commit();
  return revoked;
}

std::vector<std::string> revoke_due_supersessions_in_transaction(SqliteDatabase& db,
                                                                 std::int64_t now) {
  std::vector<std::string> due;
  {
    Statement statement =
        db.prepare("SELECT serial FROM pending_supersessions WHERE revoke_at <= ?1");
    statement.bind(1, now);
    while (statement.step()) due.push_back(statement.column_text(0));
  }
  std::vector<std::string> revoked;
  for (const std::string& serial : due) {
    const auto record = find_certificate(db, serial);
    if (record && !record->revoked()) {
      revoke_serial(db, serial, kReasonSuperseded);
      revoked.push_back(serial);
    }
    db.prepare("DELETE FROM pending_supersessions WHERE serial = ?1").bind(1, serial).run();
  }
  return revoked;
}

}  // namespace certacl::ca
