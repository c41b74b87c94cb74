#include "load/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <stdexcept>

namespace certacl::sim {
namespace {
constexpr double kNanosPerMilli = 1e6;
constexpr std::uint64_t kSubBuckets = std::uint64_t{1} << LatencyHistogram::kSubBucketBits;
constexpr std::uint64_t kLargest = (std::uint64_t{1} << LatencyHistogram::kMaxValueBits) - 1;
}  // namespace

// Values below 128 ns have a bucket each; above, the value's top 8 significant bits pick
// the bucket (its power of two, then one of 128 equal steps within it).
std::size_t LatencyHistogram::bucket_of(std::uint64_t value) noexcept {
  value = std::min(value, kLargest);
  if (value < kSubBuckets) return static_cast<std::size_t>(value);
  const int magnitude = static_cast<int>(std::bit_width(value)) - 1;  // >= kSubBucketBits
  const int shift = magnitude - kSubBucketBits;
  const std::uint64_t sub = (value >> shift) - kSubBuckets;  // 0..127
  return static_cast<std::size_t>((static_cast<std::uint64_t>(shift + 1) << kSubBucketBits) + sub);
}

std::uint64_t LatencyHistogram::bucket_upper_bound(std::size_t bucket) noexcept {
  if (bucket < kSubBuckets) return bucket;
  const std::uint64_t shift = (bucket >> kSubBucketBits) - 1;
  const std::uint64_t sub = bucket & (kSubBuckets - 1);
  return ((kSubBuckets + sub + 1) << shift) - 1;
}

void LatencyHistogram::record(std::int64_t nanoseconds) noexcept {
  const std::uint64_t value = nanoseconds < 0 ? 0 : static_cast<std::uint64_t>(nanoseconds);
  ++counts_[bucket_of(value)];
  ++count_;
  max_ns_ = std::max(max_ns_, std::min(value, kLargest));
  total_ms_ += static_cast<double>(value) / kNanosPerMilli;
}

void LatencyHistogram::merge(const LatencyHistogram& other) noexcept {
  for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  max_ns_ = std::max(max_ns_, other.max_ns_);
  total_ms_ += other.total_ms_;
}

double LatencyHistogram::percentile_ms(double q) const noexcept {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_)));
  rank = std::max<std::uint64_t>(rank, 1);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      return static_cast<double>(std::min(bucket_upper_bound(i), max_ns_)) / kNanosPerMilli;
    }
  }
  return static_cast<double>(max_ns_) / kNanosPerMilli;
}

LatencySummary LatencyHistogram::summary() const noexcept {
  LatencySummary result;
  result.count = static_cast<std::size_t>(count_);
  if (count_ == 0) return result;
  result.mean_ms = total_ms_ / static_cast<double>(count_);
  result.p50_ms = percentile_ms(0.50);
  result.p90_ms = percentile_ms(0.90);
  result.p99_ms = percentile_ms(0.99);
  result.max_ms = static_cast<double>(max_ns_) / kNanosPerMilli;
  return result;
}

nlohmann::json LatencyHistogram::to_json() const {
  auto buckets = nlohmann::json::array();
  for (std::size_t i = 0; i < kBuckets; ++i) {
    if (counts_[i] != 0) buckets.push_back({i, counts_[i]});
  }
  return {{"n", count_}, {"sum_ms", total_ms_}, {"max_ns", max_ns_}, {"b", std::move(buckets)}};
}

LatencyHistogram LatencyHistogram::from_json(const nlohmann::json& json) {
  LatencyHistogram histogram;
  try {
    std::uint64_t counted = 0;
    for (const auto& entry : json.at("b")) {
      const auto index = entry.at(0).get<std::size_t>();
      if (index >= kBuckets) throw std::invalid_argument("bucket index out of range");
      histogram.counts_[index] += entry.at(1).get<std::uint64_t>();
      counted += entry.at(1).get<std::uint64_t>();
    }
    histogram.count_ = json.at("n").get<std::uint64_t>();
    histogram.max_ns_ = json.at("max_ns").get<std::uint64_t>();
    histogram.total_ms_ = json.at("sum_ms").get<double>();
    if (counted != histogram.count_) throw std::invalid_argument("bucket counts do not add up");
  } catch (const nlohmann::json::exception& error) {
    throw std::invalid_argument(std::string("malformed latency histogram: ") + error.what());
  }
  return histogram;
}

}  // namespace certacl::sim
