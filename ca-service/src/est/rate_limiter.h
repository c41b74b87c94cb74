#pragma once
// Token buckets per key (a device name, a client address): `per_minute` requests a
// minute on average, bursts of up to `burst`. Time is passed in, so tests need no sleep.
// Thread-safe: the server's workers share one limiter per kind of key.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace certacl::ca::est {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // per_minute == 0 disables the limiter. max_keys bounds memory: beyond it, idle
  // (full) buckets are forgotten first.
  RateLimiter(double per_minute, double burst, std::size_t max_keys = 65536);

  // 0 when the request may go ahead (a token is taken), else whole seconds until one is
  // available (for Retry-After).
  [[nodiscard]] std::int64_t admit(std::string_view key, Clock::time_point now);

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point updated;
  };
  void forget_idle(Clock::time_point now);

  double per_second_;
  double burst_;
  std::size_t max_keys_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace certacl::ca::est
