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

std::uint64_t DecisionCounters::denied(Check check) const noexcept {
  std::uint64_t total = 0;
  for (std::size_t reason = 1; reason < kReasonCount; ++reason) {
    total += counts_[static_cast<std::size_t>(check)][reason];
  }
  return total;
}

}  // namespace certacl::policy
