#pragma once
// Collects end-to-end latency samples and reports nearest-rank percentiles.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace certacl::sim {

struct LatencySummary {
  std::size_t count = 0;
  double mean_ms = 0;
  double p50_ms = 0;
  double p90_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
};

class LatencyRecorder {
 public:
  // Beyond `capacity` samples the recorder keeps every k-th one, so a long load run has
  // bounded memory while percentiles stay representative of the whole run.
  explicit LatencyRecorder(std::size_t capacity = 4'000'000);

  void record(std::int64_t nanoseconds);
  [[nodiscard]] std::size_t recorded() const noexcept { return recorded_; }
  // q in [0, 1], nearest rank; 0 when there are no samples.
  [[nodiscard]] double percentile_ms(double q);
  [[nodiscard]] LatencySummary summary();

 private:
  std::size_t capacity_;
  std::size_t stride_ = 1;
  std::size_t recorded_ = 0;
  double total_ms_ = 0;
  bool sorted_ = true;
  std::vector<std::int64_t> samples_;
};

}  // namespace certacl::sim
