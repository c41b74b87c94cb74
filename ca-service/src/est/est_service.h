#pragma once
// The EST endpoints as the CA answers them: admission (rate limits, overload), decoding of
// the request body, then one call of an est_enrollment use case on the registry
// (est_registry.h: SQLite's group committer, or PostgreSQL).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "certificate_authority.h"
#include "est/est_exchange.h"
#include "est/est_registry.h"
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
  EstService(EstPolicy policy, std::unique_ptr<EstRegistry> registry,
             CertificateAuthority authority);

  [[nodiscard]] EstResponse cacerts() const;
  [[nodiscard]] static EstResponse csrattrs();
  [[nodiscard]] EstResponse simpleenroll(const EstRequest& request);
  [[nodiscard]] EstResponse simplereenroll(const EstRequest& request);

  // Revokes replaced certificates whose overlap has ended; returns how many. Never throws
  // (a locked database is tried again on the next tick).
  std::size_t revoke_due_supersessions() noexcept;

  // How requests were committed so far (the supersession sweeps are transactions too).
  [[nodiscard]] std::string commit_summary() { return registry_->commit_summary(); }

 private:
  template <typename UseCase>
  EstResponse issue(const std::string& endpoint, const std::string& subject, UseCase use_case);

  EstPolicy policy_;
  CertificateAuthority authority_;
  std::string cacerts_body_;
  RateLimiter per_device_;
  RateLimiter per_address_;
  std::atomic<int> pending_{0};
  std::unique_ptr<EstRegistry> registry_;  // last: its writer thread stops first
};

}  // namespace certacl::ca::est
