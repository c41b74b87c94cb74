#include "decision_counters.h"

namespace certacl::policy {

std::string_view slug(Check check) noexcept {
  switch (check) {
    case Check::kConnect:
      return "connect";
    case Check::kPublish:
      return "publish";
    case Check::kSubscribe:
      return "subscribe";
    case Check::kRead:
      return "read";
    case Check::kKick:
      return "kick";
    case Check::kCount:
      break;
  }
  return "unknown";
}

namespace {

std::uint64_t sum_of_denials(const auto& row) noexcept {
  std::uint64_t total = 0;
  for (std::size_t reason = 1; reason < kReasonCount; ++reason) total += row[reason];
  return total;
}

}  // namespace

std::uint64_t DecisionCounters::denied(Check check) const noexcept {
  return sum_of_denials(counts_[static_cast<std::size_t>(check)]);
}

std::uint64_t DecisionCounters::would_deny(Check check) const noexcept {
  return sum_of_denials(would_deny_[static_cast<std::size_t>(check)]);
}

}  // namespace certacl::policy
