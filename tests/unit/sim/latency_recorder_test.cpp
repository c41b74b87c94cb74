#include "engine/latency_recorder.h"

#include <gtest/gtest.h>

namespace certacl::sim {
namespace {

TEST(LatencyRecorder, EmptyRecorderReportsZeros) {
  LatencyRecorder recorder;
  const auto summary = recorder.summary();
  EXPECT_EQ(summary.count, 0u);
  EXPECT_EQ(summary.p99_ms, 0.0);
}

TEST(LatencyRecorder, NearestRankPercentiles) {
  LatencyRecorder recorder;
  for (int ms = 1; ms <= 100; ++ms) recorder.record(static_cast<std::int64_t>(ms) * 1'000'000);
  const auto summary = recorder.summary();
  EXPECT_EQ(summary.count, 100u);
  EXPECT_DOUBLE_EQ(summary.p50_ms, 50.0);
  EXPECT_DOUBLE_EQ(summary.p90_ms, 90.0);
  EXPECT_DOUBLE_EQ(summary.p99_ms, 99.0);
  EXPECT_DOUBLE_EQ(summary.max_ms, 100.0);
  EXPECT_DOUBLE_EQ(summary.mean_ms, 50.5);
}

TEST(LatencyRecorder, NegativeSamplesCountAsZero) {
  LatencyRecorder recorder;
  recorder.record(-5);
  EXPECT_DOUBLE_EQ(recorder.percentile_ms(1.0), 0.0);
}

TEST(LatencyRecorder, KeepsBoundedSamplesButCountsAll) {
  LatencyRecorder recorder(100);
  for (int i = 1; i <= 10'000; ++i) recorder.record(static_cast<std::int64_t>(i) * 1'000'000);
  const auto summary = recorder.summary();
  EXPECT_EQ(summary.count, 10'000u);
  EXPECT_DOUBLE_EQ(summary.mean_ms, 5000.5);
  // Thinned samples still span the whole run.
  EXPECT_NEAR(summary.p50_ms, 5000.0, 200.0);
  EXPECT_NEAR(summary.max_ms, 10'000.0, 200.0);
}

}  // namespace
}  // namespace certacl::sim
