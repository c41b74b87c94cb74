#include "certacl_fw/backoff.h"

#include <algorithm>

namespace certacl::fw {

std::chrono::milliseconds Backoff::next_delay(std::uint32_t random_value) {
  const auto ceiling = std::min(ceiling_, policy_.cap);
  const auto half = ceiling.count() / 2;
  const auto spread = static_cast<std::uint64_t>(ceiling.count() - half) + 1;
  const auto delay =
      std::chrono::milliseconds(half + static_cast<std::int64_t>(random_value % spread));
  // Doubling saturates at the cap, so long outages never overflow.
  ceiling_ = ceiling >= policy_.cap / 2 ? policy_.cap : ceiling * 2;
  return delay;
}

void Backoff::session_ended(std::chrono::milliseconds session_length) {
  if (session_length >= policy_.stable_session) reset();
}

}  // namespace certacl::fw
