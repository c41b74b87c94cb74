#pragma once
// Counts every decision by check and reason. Updated on the broker thread only (every
// callback runs there), read there too when the counters are published. Under dry_run a
// denial is not enforced: it is counted as "would deny", apart from real denials.

#include <array>
#include <cstdint>
#include <string_view>

#include "decision.h"

namespace certacl::policy {

enum class Check : std::uint8_t { kConnect, kPublish, kSubscribe, kRead, kKick, kCount };
inline constexpr std::size_t kCheckCount = static_cast<std::size_t>(Check::kCount);

[[nodiscard]] std::string_view slug(Check check) noexcept;

class DecisionCounters {
 public:
  void count(Check check, Decision decision) noexcept {
    ++counts_[static_cast<std::size_t>(check)][static_cast<std::size_t>(decision.reason)];
  }
  // A denial that dry_run did not enforce.
  void count_would_deny(Check check, Reason reason) noexcept {
    ++would_deny_[static_cast<std::size_t>(check)][static_cast<std::size_t>(reason)];
  }
  [[nodiscard]] std::uint64_t get(Check check, Reason reason) const noexcept {
    return counts_[static_cast<std::size_t>(check)][static_cast<std::size_t>(reason)];
  }
  [[nodiscard]] std::uint64_t get_would_deny(Check check, Reason reason) const noexcept {
    return would_deny_[static_cast<std::size_t>(check)][static_cast<std::size_t>(reason)];
  }
  [[nodiscard]] std::uint64_t allowed(Check check) const noexcept {
    return get(check, Reason::kAllowed);
  }
  [[nodiscard]] std::uint64_t denied(Check check) const noexcept;
  [[nodiscard]] std::uint64_t would_deny(Check check) const noexcept;

 private:
  using Table = std::array<std::array<std::uint64_t, kReasonCount>, kCheckCount>;
  Table counts_{};
  Table would_deny_{};
};

}  // namespace certacl::policy
