#pragma once
// The calendar clock certificate dates are checked against. On the ESP32 it is time(), set
// by SNTP; until SNTP has run it reads 1970, and then no date can be checked: the core
// refuses (fails closed) instead of treating an unknown date as a valid one. This check is
// the core's own, so it holds whether or not Mbed TLS was built with MBEDTLS_HAVE_TIME_DATE
// (ESP-IDF's default leaves it off, and then Mbed TLS checks no date at all).

#include <cstdint>

namespace certacl::fw {

// Seconds since 1970-01-01 UTC.
using UnixSeconds = std::int64_t;
using WallClockSource = UnixSeconds (*)();

// Any clock earlier than this has not been set (2025-01-01T00:00:00Z).
inline constexpr UnixSeconds kEarliestSetClock = 1'735'689'600;

[[nodiscard]] UnixSeconds wall_clock_now();
[[nodiscard]] inline bool wall_clock_is_set(UnixSeconds now) noexcept {
  return now >= kEarliestSetClock;
}

// Replaces the clock for the lifetime of the object (tests, and a device that keeps time
// elsewhere); restores the previous one on destruction. Not thread-safe: set it before
// connections start.
class ScopedWallClock {
 public:
  explicit ScopedWallClock(WallClockSource source);
  ~ScopedWallClock();
  ScopedWallClock(const ScopedWallClock&) = delete;
  ScopedWallClock& operator=(const ScopedWallClock&) = delete;

 private:
  WallClockSource previous_;
};

}  // namespace certacl::fw
