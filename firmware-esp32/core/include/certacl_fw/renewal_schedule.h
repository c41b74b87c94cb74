#pragma once
// When the device renews its certificate: at 2/3 of its lifetime, moved by up to ±1/20 of
// the lifetime so a fleet enrolled together does not renew together; a failed attempt is
// retried with jittered exponential back-off whose cap is at most 1/10 of the lifetime, so
// several attempts fit before the certificate expires. Pure logic: no clock, no I/O.

#include <cstdint>

#include "certacl_fw/backoff.h"
#include "certacl_fw/certificate_dates.h"

namespace certacl::fw {

// The planned renewal time for a certificate, before any failure.
[[nodiscard]] UnixSeconds planned_renewal(const Validity& validity, std::uint32_t random_value);

class RenewalSchedule {
 public:
  // Plans the renewal of the certificate now in use.
  void start(const Validity& validity, std::uint32_t random_value);
  [[nodiscard]] bool due(UnixSeconds now) const noexcept { return now >= due_at_; }
  [[nodiscard]] UnixSeconds due_at() const noexcept { return due_at_; }
  // A renewal was asked for now (the `renew-now` command).
  void request_now(UnixSeconds now) noexcept { due_at_ = now; }
  // The attempt at `now` failed: the next one waits a jittered, growing delay.
  void attempt_failed(UnixSeconds now, std::uint32_t random_value);

 private:
  Validity validity_{};
  UnixSeconds due_at_ = 0;
  Backoff retry_{BackoffPolicy{}};
};

}  // namespace certacl::fw
