#pragma once
// Where the EST server's use cases run: the SQLite registry (one writer, group commit) or a
// PostgreSQL registry (a few connections, one SERIALIZABLE transaction per request behind
// the CA writer lock). Either way each call returns only after COMMIT, so a 200 means
// committed, and throws EnrollmentRefused for the client's faults (already audited).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "certacl/sqlite.h"
#include "certacl/store/postgres_connection.h"
#include "certificate_authority.h"
#include "est_enrollment.h"

namespace certacl::ca::est {

class EstRegistry {
 public:
  virtual ~EstRegistry() = default;
  [[nodiscard]] virtual IssuedCertificate enroll(const CertificateAuthority& authority,
                                                 const TokenEnrollment& request) = 0;
  [[nodiscard]] virtual IssuedCertificate reenroll(const CertificateAuthority& authority,
                                                   const CertificateReenrollment& request) = 0;
  // Revokes replaced certificates whose overlap has ended; returns their serials.
  virtual std::vector<std::string> revoke_due_supersessions() = 0;
  // How requests were committed, for the server's last log line.
  [[nodiscard]] virtual std::string commit_summary() = 0;
};

// The SQLite file: the writer waits `wait` for another process's lock (then the request
// answers 503) and commits up to `max_batch` requests in one transaction.
[[nodiscard]] std::unique_ptr<EstRegistry> sqlite_est_registry(SqliteDatabase db,
                                                               std::chrono::milliseconds wait,
                                                               std::size_t max_batch);
// A PostgreSQL registry, at most `connections` sessions (opened when needed, a broken one
// replaced by the next request).
[[nodiscard]] std::unique_ptr<EstRegistry> postgres_est_registry(store::PostgresSettings settings,
                                                                 std::size_t connections);

// True when a database error means "try again later" (503), not a fault (500).
[[nodiscard]] bool is_transient_database_error(const std::exception& error) noexcept;

}  // namespace certacl::ca::est
