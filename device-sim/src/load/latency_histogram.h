#pragma once
// End-to-end latencies as a log-linear histogram (HdrHistogram's layout): 128 sub-buckets
// per power of two, so every recorded value is known to within 1/128 (< 0.8 %). Unlike a
// list of samples it has a fixed size however long the run, and two histograms merge
// exactly by adding their counts, which is how worker processes' latencies become one
// report: a merged percentile is the percentile of all samples, never an average of
// percentiles.

#include <array>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "engine/latency_recorder.h"

namespace certacl::sim {

class LatencyHistogram {
 public:
  static constexpr int kSubBucketBits = 7;  // 128 sub-buckets per power of two
  static constexpr int kMaxValueBits = 42;  // up to 2^42 ns (about 73 minutes); above clamps
  static constexpr std::size_t kBuckets = (kMaxValueBits - kSubBucketBits + 1) << kSubBucketBits;

  void record(std::int64_t nanoseconds) noexcept;
  void merge(const LatencyHistogram& other) noexcept;

  [[nodiscard]] std::uint64_t count() const noexcept { return count_; }
  // Nearest rank over all samples, q in [0, 1]; the bucket's upper bound, never above the
  // largest value recorded. 0 when empty.
  [[nodiscard]] double percentile_ms(double q) const noexcept;
  [[nodiscard]] LatencySummary summary() const noexcept;

  // Sparse form for the wire between worker and parent: {"n":..,"sum":..,"max":..,
  // "b":[[index,count],...]}. from_json throws std::invalid_argument on malformed input.
  [[nodiscard]] nlohmann::json to_json() const;
  static LatencyHistogram from_json(const nlohmann::json& json);

  // Which bucket a value falls in, and the largest value that bucket holds (for tests).
  [[nodiscard]] static std::size_t bucket_of(std::uint64_t nanoseconds) noexcept;
  [[nodiscard]] static std::uint64_t bucket_upper_bound(std::size_t bucket) noexcept;

 private:
  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t max_ns_ = 0;
  double total_ms_ = 0;
};

}  // namespace certacl::sim
