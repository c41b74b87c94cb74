#pragma once
// Spreads events evenly over time: the first is due at once, then one every 1/rate s.
// A rate of zero or less means "no limit".

#include <chrono>
#include <cstdint>
#include <limits>

namespace certacl::sim {

class RatePacer {
 public:
  explicit RatePacer(double per_second) noexcept : per_second_(per_second) {}

  // How many events in total may have started `elapsed` after the start.
  [[nodiscard]] std::uint64_t allowed(std::chrono::nanoseconds elapsed) const noexcept {
    if (per_second_ <= 0) return std::numeric_limits<std::uint64_t>::max();
    if (elapsed.count() < 0) return 0;
    const double seconds = std::chrono::duration<double>(elapsed).count();
    return static_cast<std::uint64_t>(seconds * per_second_) + 1;
  }

  // When event number `index` (0-based) becomes due, measured from the start.
  [[nodiscard]] std::chrono::nanoseconds due_at(std::uint64_t index) const noexcept {
    if (per_second_ <= 0) return std::chrono::nanoseconds{0};
    return std::chrono::nanoseconds{
        static_cast<std::int64_t>(static_cast<double>(index) * 1e9 / per_second_)};
  }

 private:
  double per_second_;
};

}  // namespace certacl::sim
