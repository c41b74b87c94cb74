#include "engine/latency_recorder.h"

#include <algorithm>
#include <cmath>

namespace certacl::sim {
namespace {
constexpr double kNanosPerMilli = 1e6;
}

LatencyRecorder::LatencyRecorder(std::size_t capacity) : capacity_(capacity < 2 ? 2 : capacity) {}

void LatencyRecorder::record(std::int64_t nanoseconds) {
  if (nanoseconds < 0) nanoseconds = 0;
  total_ms_ += static_cast<double>(nanoseconds) / kNanosPerMilli;
  if (recorded_++ % stride_ != 0) return;
  if (samples_.size() == capacity_) {
    // Thin the stored samples by half and sample half as often from now on.
    std::size_t kept = 0;
    for (std::size_t i = 0; i < samples_.size(); i += 2) samples_[kept++] = samples_[i];
    samples_.resize(kept);
    stride_ *= 2;
  }
  samples_.push_back(nanoseconds);
  sorted_ = false;
}

double LatencyRecorder::percentile_ms(double q) {
  if (samples_.empty()) return 0;
  if (!sorted_) {
    std::sort(samples_.begin(), samples_.end());
    sorted_ = true;
  }
  q = std::clamp(q, 0.0, 1.0);
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(samples_.size())));
  const std::size_t index = rank == 0 ? 0 : rank - 1;
  return static_cast<double>(samples_[index]) / kNanosPerMilli;
}

LatencySummary LatencyRecorder::summary() {
  LatencySummary result;
  result.count = recorded_;
  if (recorded_ == 0) return result;
  result.mean_ms = total_ms_ / static_cast<double>(recorded_);
  result.p50_ms = percentile_ms(0.50);
  result.p90_ms = percentile_ms(0.90);
  result.p99_ms = percentile_ms(0.99);
  result.max_ms = percentile_ms(1.0);
  return result;
}

}  // namespace certacl::sim
