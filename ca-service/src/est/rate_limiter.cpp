#include "est/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace certacl::ca::est {

RateLimiter::RateLimiter(double per_minute, double burst, std::size_t max_keys)
    : per_second_(per_minute / 60.0), burst_(std::max(1.0, burst)), max_keys_(max_keys) {}

std::int64_t RateLimiter::admit(std::string_view key, Clock::time_point now) {
  if (per_second_ <= 0) return 0;
  const std::lock_guard lock(mutex_);
  auto found = buckets_.find(std::string(key));
  if (found == buckets_.end()) {
    if (buckets_.size() >= max_keys_) forget_idle(now);
    found = buckets_.emplace(std::string(key), Bucket{burst_, now}).first;
  }
  Bucket& bucket = found->second;
  const double elapsed = std::chrono::duration<double>(now - bucket.updated).count();
  bucket.tokens = std::min(burst_, bucket.tokens + std::max(0.0, elapsed) * per_second_);
  bucket.updated = now;
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    return 0;
  }
  return static_cast<std::int64_t>(std::ceil((1.0 - bucket.tokens) / per_second_));
}

void RateLimiter::forget_idle(Clock::time_point now) {
  std::erase_if(buckets_, [&](const auto& entry) {
    const double elapsed = std::chrono::duration<double>(now - entry.second.updated).count();
    return entry.second.tokens + elapsed * per_second_ >= burst_;
  });
  // Still full of busy keys (a flood from many addresses): start afresh rather than grow
  // without bound; the per-device limit and the worker pool still hold.
  if (buckets_.size() >= max_keys_) buckets_.clear();
}

}  // namespace certacl::ca::est
