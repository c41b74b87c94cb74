// The latency histogram: bucket bounds, nearest-rank percentiles within the bucket
// precision, and merges that equal one histogram of all samples.

#include "load/latency_histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace certacl::sim {
namespace {

double exact_percentile_ms(std::vector<std::int64_t> samples, double q) {
  std::sort(samples.begin(), samples.end());
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(samples.size())));
  return static_cast<double>(samples[rank == 0 ? 0 : rank - 1]) / 1e6;
}

TEST(LatencyHistogram, EmptyReportsZeros) {
  const LatencyHistogram histogram;
  EXPECT_EQ(histogram.count(), 0u);
  EXPECT_EQ(histogram.percentile_ms(0.5), 0);
  EXPECT_EQ(histogram.summary().max_ms, 0);
}

TEST(LatencyHistogram, EveryValueLiesInItsBucketWithinOnePart128) {
  for (std::uint64_t value : {0ull, 1ull, 127ull, 128ull, 255ull, 256ull, 1'000ull, 999'999ull,
                              123'456'789ull, (1ull << 41) + 12345}) {
    const auto bucket = LatencyHistogram::bucket_of(value);
    const auto upper = LatencyHistogram::bucket_upper_bound(bucket);
    EXPECT_GE(upper, value) << value;
    EXPECT_LE(static_cast<double>(upper - value), static_cast<double>(value) / 128.0 + 1) << value;
    if (bucket > 0) {
      EXPECT_LT(LatencyHistogram::bucket_upper_bound(bucket - 1), value) << value;
    }
  }
}

TEST(LatencyHistogram, PercentilesMatchExactNearestRankWithinPrecision) {
  std::mt19937_64 random(7);
  std::lognormal_distribution<double> latency(std::log(400'000.0), 1.0);  // ~0.4 ms median
  std::vector<std::int64_t> samples;
  LatencyHistogram histogram;
  for (int i = 0; i < 20'000; ++i) {
    samples.push_back(static_cast<std::int64_t>(latency(random)));
    histogram.record(samples.back());
  }
  for (double q : {0.5, 0.9, 0.99, 1.0}) {
    const double exact = exact_percentile_ms(samples, q);
    EXPECT_GE(histogram.percentile_ms(q), exact) << q;
    EXPECT_LE(histogram.percentile_ms(q), exact * (1 + 1.0 / 128)) << q;
  }
  EXPECT_DOUBLE_EQ(histogram.summary().max_ms,
                   static_cast<double>(*std::max_element(samples.begin(), samples.end())) / 1e6);
}

TEST(LatencyHistogram, MergeEqualsOneHistogramOfAllSamples) {
  LatencyHistogram fast;
  LatencyHistogram slow;
  LatencyHistogram all;
  // Two workers with very different latencies: 900 samples at 1 ms, 100 at 50 ms.
  for (int i = 0; i < 900; ++i) fast.record(1'000'000);
  for (int i = 0; i < 100; ++i) slow.record(50'000'000);
  for (int i = 0; i < 900; ++i) all.record(1'000'000);
  for (int i = 0; i < 100; ++i) all.record(50'000'000);
  LatencyHistogram merged = fast;
  merged.merge(slow);
  EXPECT_EQ(merged.count(), 1000u);
  EXPECT_EQ(merged.to_json(), all.to_json());
  // p90 is the 900th sample (1 ms), p99 the 990th (50 ms); averaging the workers' p99s
  // (1 ms and 50 ms) would give 25.5 ms, which no sample had.
  EXPECT_NEAR(merged.percentile_ms(0.90), 1.0, 1.0 / 128);
  EXPECT_NEAR(merged.percentile_ms(0.99), 50.0, 50.0 / 128);
  EXPECT_NEAR(merged.summary().mean_ms, (900 * 1.0 + 100 * 50.0) / 1000, 1e-9);
}

TEST(LatencyHistogram, RoundTripsThroughItsWireForm) {
  LatencyHistogram histogram;
  for (std::int64_t v : {5, 1'000, 250'000, 3'000'000, -4}) histogram.record(v);
  const auto copy = LatencyHistogram::from_json(histogram.to_json());
  EXPECT_EQ(copy.to_json(), histogram.to_json());
  EXPECT_EQ(copy.count(), 5u);
}

TEST(LatencyHistogram, RefusesMalformedWireForm) {
  EXPECT_THROW(LatencyHistogram::from_json({{"n", 1}}), std::invalid_argument);
  EXPECT_THROW(
      LatencyHistogram::from_json({{"n", 1}, {"sum_ms", 0.0}, {"max_ns", 0}, {"b", {{999999, 1}}}}),
      std::invalid_argument);
  // Counts that do not add up to n.
  EXPECT_THROW(
      LatencyHistogram::from_json({{"n", 2}, {"sum_ms", 0.0}, {"max_ns", 0}, {"b", {{3, 1}}}}),
      std::invalid_argument);
}

}  // namespace
}  // namespace certacl::sim
