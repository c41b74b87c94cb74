#pragma once
// When to try again after a failed connect or renewal: exponential, capped, and jittered so a
// fleet that lost its broker at the same moment does not come back in lockstep. Pure logic:
// the caller passes the random value and sleeps.

#include <chrono>
#include <cstdint>

namespace certacl::fw {

struct BackoffPolicy {
  std::chrono::milliseconds initial{1'000};
  std::chrono::milliseconds cap{300'000};
  // A session shorter than this (e.g. a connect the broker kicked within seconds) does not
  // reset the back-off: only a session that proved stable does.
  std::chrono::milliseconds stable_session{60'000};
};

class Backoff {
 public:
  explicit Backoff(BackoffPolicy policy) : policy_(policy), ceiling_(policy.initial) {}

  // The wait before the next attempt, in [ceiling/2, ceiling] ("equal jitter": never zero,
  // never above the cap); then doubles the ceiling up to the cap.
  [[nodiscard]] std::chrono::milliseconds next_delay(std::uint32_t random_value);
  // Call when a session ends; resets only after a stable one.
  void session_ended(std::chrono::milliseconds session_length);
  void reset() { ceiling_ = policy_.initial; }
  [[nodiscard]] std::chrono::milliseconds ceiling() const noexcept { return ceiling_; }

 private:
  BackoffPolicy policy_;
  std::chrono::milliseconds ceiling_;
};

}  // namespace certacl::fw
