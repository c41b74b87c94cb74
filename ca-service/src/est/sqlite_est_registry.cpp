// The EST use cases on the SQLite registry: every request goes through the group committer.
#include <fmt/format.h>

#include <optional>

#include "ca_database.h"
#include "est/est_registry.h"
#include "est/group_commit.h"

namespace certacl::ca::est {
namespace {

// The writer waits this long for another process's lock, then the batch answers 503.
SqliteDatabase with_busy_timeout(SqliteDatabase db, std::chrono::milliseconds wait) {
  sqlite3_busy_timeout(db.handle(), static_cast<int>(wait.count()));
  return db;
}

class SqliteEstRegistry final : public EstRegistry {
 public:
  SqliteEstRegistry(SqliteDatabase db, std::chrono::milliseconds wait, std::size_t max_batch)
      : committer_(with_busy_timeout(std::move(db), wait), max_batch) {}

  IssuedCertificate enroll(const CertificateAuthority& authority,
                           const TokenEnrollment& request) override {
    return run([&](SqliteDatabase& db) {
      return enroll_with_token_in_transaction(db, authority, request);
    });
  }

  IssuedCertificate reenroll(const CertificateAuthority& authority,
                             const CertificateReenrollment& request) override {
    return run([&](SqliteDatabase& db) {
      return reenroll_with_certificate_in_transaction(db, authority, request);
    });
  }

  std::vector<std::string> revoke_due_supersessions() override {
    std::vector<std::string> revoked;
    committer_.run([&](SqliteDatabase& db) {
      revoked = revoke_due_supersessions_in_transaction(db, unix_now());
    });
    return revoked;
  }

  std::string commit_summary() override {
    const GroupCommitter::Stats stats = committer_.stats();
    return fmt::format("group commit: {} requests in {} transactions (largest {})", stats.jobs,
                       stats.transactions, stats.largest);
  }

 private:
  // A refusal is an answer, not a failure of the batch: it is caught inside the work so its
  // audit row stays in the batch's transaction, and thrown again once that committed.
  template <typename UseCase>
  IssuedCertificate run(UseCase use_case) {
    std::optional<IssuedCertificate> result;
    std::optional<EnrollmentRefused> refusal;
    committer_.run([&](SqliteDatabase& db) {
      try {
        result = use_case(db);
      } catch (const EnrollmentRefused& refused) {
        refusal = refused;
      }
    });
    if (refusal) throw *refusal;
    return std::move(*result);
  }

  GroupCommitter committer_;
};

}  // namespace

std::unique_ptr<EstRegistry> sqlite_est_registry(SqliteDatabase db, std::chrono::milliseconds wait,
                                                 std::size_t max_batch) {
  return std::make_unique<SqliteEstRegistry>(std::move(db), wait, max_batch);
}

bool is_transient_database_error(const std::exception& error) noexcept {
  if (const auto* sqlite = dynamic_cast<const DatabaseError*>(&error)) return sqlite->is_busy();
  if (const auto* postgres = dynamic_cast<const store::PostgresError*>(&error)) {
    // Lost connection (restart, failover), lock wait over (55P03), conflicts retried out.
    return postgres->is_connection_lost() || postgres->is_retryable() ||
           postgres->sqlstate() == "55P03" || postgres->sqlstate().empty();
  }
  return false;
}

}  // namespace certacl::ca::est
