#pragma once
// One monotonic clock for the whole simulator: send stamps, latencies and deadlines.

#include <chrono>
#include <cstdint>

namespace certacl::sim {

using SteadyClock = std::chrono::steady_clock;
using TimePoint = SteadyClock::time_point;

// Nanoseconds on the steady clock; only differences between two readings mean anything.
[[nodiscard]] std::int64_t steady_now_ns() noexcept;

[[nodiscard]] inline double milliseconds_between(TimePoint from, TimePoint to) noexcept {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

}  // namespace certacl::sim
