#pragma once
// The EST endpoints as the CA answers them: admission (rate limits, overload), decoding of
// the request body, then one call of an est_enrollment use case, run by the group
// committer (one writer; one transaction and one sync for all requests queued together).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "certacl/sqlite.h"
#include "certificate_authority.h"
#include "est/est_exchange.h"
#include "est/group_commit.h"
#include "est/rate_limiter.h"

namespace certacl::ca::est {

struct EstPolicy {
  std::int64_t lifetime_seconds = 365 * 86400;
  std::int64_t supersede_after_seconds = 7 * 86400;
  std::chrono::milliseconds db_wait{5000};  // longest wait for the database, then 503
  int max_pending = 64;                     // issuance requests waiting at once, then 503
  std::size_t max_batch = 64;               // requests committed together at most
  std::int64_t retry_after_seconds = 5;
  double device_per_minute = 6;
  double device_burst = 3;
  double address_per_minute = 600;
  double address_burst = 100;
};

class EstService {
 public:
  EstService(EstPolicy policy, SqliteDatabase db, CertificateAuthority authority);

  [[nodiscard]] EstResponse cacerts() const;
  [[nodiscard]] static EstResponse csrattrs();
  [[nodiscard]] EstResponse simpleenroll(const EstRequest& request);
  [[nodiscard]] EstResponse simplereenroll(const EstRequest& request);

  // Revokes replaced certificates whose overlap has ended; returns how many. Never throws
  // (a locked database is tried again on the next tick).
  std::size_t revoke_due_supersessions() noexcept;

  // Batching so far (the supersession sweeps are transactions too).
  [[nodiscard]] GroupCommitter::Stats commit_stats() { return committer_.stats(); }

 private:
  template <typename UseCase>
  EstResponse issue(const std::string& endpoint, const std::string& subject, UseCase use_case);

  EstPolicy policy_;
  CertificateAuthority authority_;
  std::string cacerts_body_;
  RateLimiter per_device_;
  RateLimiter per_address_;
  std::atomic<int> pending_{0};
  GroupCommitter committer_;  // last: its writer thread stops first
};

}  // namespace certacl::ca::est
