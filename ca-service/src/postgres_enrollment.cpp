#include "postgres_enrollment.h"

#include <fmt/format.h>

#include "audit.h"
#include "ca_error.h"
#include "certacl/certificate_facts.h"
#include "certacl/store/postgres_connection.h"
#include "postgres_registry.h"
#include "revocation.h"

namespace certacl::ca {
namespace {

using store::PostgresResult;
using store::PostgresStore;

constexpr int kReasonSuperseded = 4;

std::int64_t server_now(PostgresStore& store) {
  return store.connection()
      .exec("SELECT extract(epoch FROM statement_timestamp())::bigint")
      .int64(0, 0);
}

int revoke_unused_tokens(PostgresStore& store, const std::string& device, std::int64_t now) {
  return store.connection()
      .exec(
          "UPDATE certacl.enrollment_tokens SET revoked_at = $2 "
          "WHERE device = $1 AND used_at IS NULL AND revoked_at IS NULL RETURNING id",
          {device, std::to_string(now)})
      .rows();
}

std::optional<StoredToken> find_token(PostgresStore& store, const std::string& token) {
  const PostgresResult rows = store.connection().exec(
      "SELECT id, device, expires_at, used_at IS NOT NULL, revoked_at IS NOT NULL "
      "FROM certacl.enrollment_tokens WHERE token_sha256 = $1",
      {token_digest(token)});
  if (rows.rows() == 0) return std::nullopt;
  return StoredToken{rows.int64(0, 0), std::string(rows.text(0, 1)), rows.int64(0, 2),
                     rows.boolean(0, 3), rows.boolean(0, 4)};
}

// The use case in its transaction; a refusal is rolled back, then audited in a
// transaction of its own (the one that refused wrote nothing), and thrown as
// EnrollmentRefused. Database errors pass through: not the client's fault.
template <typename UseCase>
IssuedCertificate audited(PostgresStore& store, const std::string& action,
                          const std::string& claimed, const std::string& peer, UseCase use_case) {
  std::string device = claimed;
  const auto audit_refusal = [&](const std::string& reason) {
    const RefusalAudit audit = refusal_audit(device, reason, peer);
    store.append_audit(
        store::AuditDraft{current_actor(), action, audit.device, std::nullopt, audit.detail});
  };
  try {
    IssuedCertificate issued;
    store.in_write_transaction("an EST enrollment", [&] { issued = use_case(device); });
    return issued;
  } catch (const EnrollmentRefused& refused) {
    audit_refusal(refused.what());
    throw;
  } catch (const CaError& error) {
    audit_refusal(error.what());
    throw EnrollmentRefused(refusal_kind_of(error), error.what());
  }
}

}  // namespace

NewEnrollmentToken create_enrollment_token(PostgresStore& store, const std::string& device,
                                           std::int64_t ttl_seconds) {
  if (ttl_seconds < 1 || ttl_seconds > kMaxTokenTtlSeconds) {
    throw CaError(ExitCode::kBadInput, fmt::format("token lifetime {}s is out of range (1s..{}s)",
                                                   ttl_seconds, kMaxTokenTtlSeconds));
  }
  NewEnrollmentToken created;
  store.in_write_transaction(fmt::format("a token for device '{}'", device), [&] {
    const Device registered = require_issuable(find_device(store, device), device);
    const std::int64_t now = server_now(store);
    const int replaced = revoke_unused_tokens(store, registered.name, now);
    created = NewEnrollmentToken{registered.name, new_token_secret(), now + ttl_seconds};
    const std::int64_t id =
        store.connection()
            .exec(
                "INSERT INTO certacl.enrollment_tokens (device, token_sha256, created_at, "
                "expires_at) VALUES ($1, $2, $3, $4) RETURNING id",
                {created.device, token_digest(created.token), std::to_string(now),
                 std::to_string(created.expires_at)})
            .int64(0, 0);
    store.append_audit(store::AuditDraft{current_actor(), "token-create", created.device,
                                         std::nullopt,
                                         token_created_detail(id, created.expires_at, replaced)});
  });
  return created;
}

int revoke_enrollment_tokens(PostgresStore& store, const std::string& device) {
  int revoked = 0;
  store.in_write_transaction(fmt::format("the tokens of device '{}'", device), [&] {
    if (!find_device(store, device)) {
      throw CaError(ExitCode::kNotFound, fmt::format("unknown device '{}'", device));
    }
    revoked = revoke_unused_tokens(store, device, server_now(store));
    store.append_audit(store::AuditDraft{current_actor(), "token-revoke", device, std::nullopt,
                                         fmt::format("revoked={}", revoked)});
  });
  return revoked;
}

IssuedCertificate enroll_with_token(PostgresStore& store, const CertificateAuthority& authority,
                                    const TokenEnrollment& request) {
  const Validity validity = validity_for_lifetime(request.lifetime_seconds);
  return audited(store, "est-enroll-refused", request.device, request.peer, [&](std::string&) {
    const auto stored = find_token(store, request.token);
    CsrVerdict own;
    const AcceptedCsr& csr = authenticate_enrollment(stored, request, server_now(store), own);
    IssuedCertificate issued =
        issue_in_transaction(store, authority, csr, validity, IssueAction::kEstEnroll,
                             fmt::format("token_id={} peer={}", stored->id, request.peer));
    // Under the writer lock no other transaction can have used it since find_token; the
    // condition still makes a second use impossible whatever the locking.
    if (store.connection()
            .exec("UPDATE certacl.enrollment_tokens SET used_at = $2, used_serial = $3 "
                  "WHERE id = $1 AND used_at IS NULL AND revoked_at IS NULL RETURNING id",
                  {std::to_string(stored->id), std::to_string(server_now(store)), issued.serial})
            .rows() != 1) {
      throw CaError(ExitCode::kConflict, "token was used concurrently");
    }
    return issued;
  });
}

IssuedCertificate reenroll_with_certificate(PostgresStore& store,
                                            const CertificateAuthority& authority,
                                            const CertificateReenrollment& request) {
  const Validity validity = validity_for_lifetime(request.lifetime_seconds);
  return audited(
      store, "est-reenroll-refused", claimed_device(request.presented), request.peer,
      [&](std::string& device) {
        const std::int64_t now = server_now(store);
        const CertificateRecord current = require_recorded_certificate(
            find_certificate(store, serial_hex(request.presented)), request.presented, now);
        device = *current.device;
        CsrVerdict own;
        const AcceptedCsr& csr = accept_csr_for(request.checked_csr, request.csr_pem, own, device);
        IssuedCertificate issued =
            issue_in_transaction(store, authority, csr, validity, IssueAction::kEstReenroll,
                                 fmt::format("replaces={} peer={}", current.serial, request.peer));
        // A retry after a lost response keeps the first scheduled revocation time.
        store.connection().exec(
            "INSERT INTO certacl.pending_supersessions (serial, replaced_by, revoke_at) "
            "VALUES ($1, $2, $3) ON CONFLICT (serial) DO NOTHING",
            {current.serial, issued.serial, std::to_string(now + request.supersede_after_seconds)});
        return issued;
      });
}

std::vector<std::string> revoke_due_supersessions(PostgresStore& store) {
  std::vector<std::string> revoked;
  store.in_write_transaction("a supersession", [&] {
    revoked.clear();
    const PostgresResult due = store.connection().exec(
        "SELECT p.serial, c.device, c.revoked_at IS NOT NULL FROM certacl.pending_supersessions p "
        "JOIN certacl.certificates c ON c.serial = p.serial "
        "WHERE p.revoke_at <= extract(epoch FROM statement_timestamp())::bigint ORDER BY p.serial");
    for (int row = 0; row < due.rows(); ++row) {
      const std::string serial(due.text(row, 0));
      if (!due.boolean(row, 2)) {
        store.connection().exec(
            "UPDATE certacl.certificates SET revoked_at = "
            "extract(epoch FROM statement_timestamp())::bigint, revocation_reason = $2 "
            "WHERE serial = $1 AND revoked_at IS NULL",
            {serial, std::to_string(kReasonSuperseded)});
        store.append_audit(
            store::AuditDraft{current_actor(), "revoke", due.optional_text(row, 1), serial,
                              fmt::format("reason={}", revocation_reason_name(kReasonSuperseded))});
        revoked.push_back(serial);
      }
      store.connection().exec("DELETE FROM certacl.pending_supersessions WHERE serial = $1",
                              {serial});
    }
  });
  return revoked;
}

}  // namespace certacl::ca
