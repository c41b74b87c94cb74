#include "certacl_fw/renewal_schedule.h"

#include <algorithm>

namespace certacl::fw {
namespace {

constexpr UnixSeconds kMinRetrySeconds = 1;
constexpr UnixSeconds kMaxRetrySeconds = 3600;

}  // namespace

UnixSeconds planned_renewal(const Validity& validity, std::uint32_t random_value) {
  const UnixSeconds lifetime = std::max<UnixSeconds>(validity.lifetime(), 0);
  const UnixSeconds jitter_span = lifetime / 10;  // the window is ±lifetime/20
  const UnixSeconds jitter =
      jitter_span > 0 ? static_cast<UnixSeconds>(random_value % (jitter_span + 1)) - jitter_span / 2
                      : 0;
  return validity.not_before + lifetime * 2 / 3 + jitter;
}

void RenewalSchedule::start(const Validity& validity, std::uint32_t random_value) {
  validity_ = validity;
  due_at_ = planned_renewal(validity, random_value);
  const UnixSeconds cap =
      std::clamp<UnixSeconds>(validity.lifetime() / 10, kMinRetrySeconds, kMaxRetrySeconds);
  const UnixSeconds initial = std::clamp<UnixSeconds>(cap / 16, kMinRetrySeconds, cap);
  retry_ = Backoff(BackoffPolicy{std::chrono::seconds(initial), std::chrono::seconds(cap),
                                 std::chrono::seconds(0)});
}

void RenewalSchedule::attempt_failed(UnixSeconds now, std::uint32_t random_value) {
  const auto delay = retry_.next_delay(random_value);
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(delay).count();
  due_at_ = now + std::max<UnixSeconds>(seconds, kMinRetrySeconds);
}

}  // namespace certacl::fw
