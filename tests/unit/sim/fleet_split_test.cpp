// Splitting a load run across workers: how many, which devices, and merging results.

#include "load/fleet_split.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "engine/process_limits.h"

namespace certacl::sim {
namespace {

TEST(FleetSplit, OneProcessWhenTheFleetFitsItsDescriptors) {
  EXPECT_EQ(choose_worker_count(6'000, 0, 20'000), 1u);
}

TEST(FleetSplit, AsManyWorkersAsTheDescriptorLimitNeeds) {
  // 20,000 descriptors hold (20,000 - 64) / 3 = 6,645 devices per process.
  EXPECT_EQ(choose_worker_count(10'000, 0, 20'000), 2u);
  EXPECT_EQ(choose_worker_count(13'290, 0, 20'000), 2u);
  EXPECT_EQ(choose_worker_count(13'291, 0, 20'000), 3u);
  for (std::size_t devices : {10'000u, 20'000u, 50'000u}) {
    const auto count = choose_worker_count(devices, 0, 20'000);
    for (std::size_t i = 0; i < count; ++i) {
      EXPECT_LE(descriptors_needed(fleet_slice(devices, i, count).count), 20'000u);
    }
  }
}

TEST(FleetSplit, RequestedWorkersAreKeptButNeverMoreThanDevices) {
  EXPECT_EQ(choose_worker_count(100, 4, 20'000), 4u);
  EXPECT_EQ(choose_worker_count(3, 8, 20'000), 3u);
}

TEST(FleetSplit, SlicesCoverTheFleetOnceInNearEqualShares) {
  for (std::size_t count : {1u, 2u, 3u, 7u}) {
    std::size_t next = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const auto slice = fleet_slice(10'001, i, count);
      EXPECT_EQ(slice.first, next);
      EXPECT_LE(slice.count, 10'001 / count + 1);
      EXPECT_GE(slice.count, 10'001 / count);
      next += slice.count;
    }
    EXPECT_EQ(next, 10'001u);
  }
}

TEST(FleetSplit, WorkerSliceOptionParses) {
  EXPECT_EQ(parse_worker_slice("1/3"), std::make_pair(std::size_t{1}, std::size_t{3}));
  for (const char* bad : {"3/3", "1/0", "1", "a/b", "1/2x", "-1/2"}) {
    EXPECT_THROW((void)parse_worker_slice(bad), std::invalid_argument) << bad;
  }
}

TEST(FleetSplit, WorkerArgumentsShareTheConnectRateAndNameTheSlice) {
  LoadSettings settings;
  settings.connect_rate = 500;
  settings.devices = 10'000;
  const auto args = worker_arguments(settings, 1, 2);
  const auto rate = std::find(args.begin(), args.end(), "--connect-rate");
  ASSERT_NE(rate, args.end());
  EXPECT_EQ(*(rate + 1), "250");
  const auto slice = std::find(args.begin(), args.end(), "--worker-slice");
  ASSERT_NE(slice, args.end());
  EXPECT_EQ(*(slice + 1), "1/2");
  EXPECT_EQ(std::count(args.begin(), args.end(), "--workers"), 0);  // a worker never splits
}

LoadResult worker_result(std::size_t devices, double ramp_s, std::uint64_t delivered,
                         double window_s, std::int64_t latency_ns) {
  LoadResult r;
  r.devices = devices;
  r.connected = devices;
  r.connect_seconds = ramp_s;
  r.sent = delivered;
  r.delivered = delivered;
  r.publish_seconds = window_s;
  for (std::uint64_t i = 0; i < delivered; ++i) r.histogram.record(latency_ns);
  return r;
}

TEST(FleetSplit, MergedResultAddsCountsAndTakesTheLongestWindows) {
  const auto a = worker_result(5'000, 10.0, 900, 10.0, 1'000'000);
  auto b = worker_result(5'000, 12.5, 100, 10.4, 40'000'000);
  b.dropped = 2;
  b.first_error = "load-9: dropped";
  const auto merged = merge_load_results({a, b});
  EXPECT_EQ(merged.devices, 10'000u);
  EXPECT_EQ(merged.connected, 10'000u);
  EXPECT_EQ(merged.dropped, 2u);
  EXPECT_EQ(merged.delivered, 1'000u);
  EXPECT_DOUBLE_EQ(merged.connect_seconds, 12.5);
  EXPECT_DOUBLE_EQ(merged.connections_per_second, 10'000 / 12.5);
  EXPECT_DOUBLE_EQ(merged.messages_per_second, 1'000 / 10.4);
  EXPECT_EQ(merged.latency.count, 1'000u);
  EXPECT_NEAR(merged.latency.p50_ms, 1.0, 1.0 / 128);
  EXPECT_NEAR(merged.latency.p99_ms, 40.0, 40.0 / 128);  // not the 20.5 ms an average gives
  EXPECT_EQ(merged.first_error, "worker 1: load-9: dropped");
  EXPECT_FALSE(merged.healthy(1));
}

TEST(FleetSplit, ResultsSurviveTheWire) {
  auto r = worker_result(10, 1.5, 40, 3.0, 250'000);
  r.refused = 1;
  r.first_error = "x";
  const auto back = load_result_from_wire(load_result_to_wire(r));
  EXPECT_EQ(back.devices, 10u);
  EXPECT_EQ(back.refused, 1u);
  EXPECT_EQ(back.delivered, 40u);
  EXPECT_DOUBLE_EQ(back.connect_seconds, 1.5);
  EXPECT_EQ(back.latency.count, 40u);
  EXPECT_EQ(back.first_error, "x");
  EXPECT_THROW((void)load_result_from_wire({{"devices", 1}}), std::invalid_argument);
}

TEST(FleetSplit, MergedProgressShowsTheEarliestPhase) {
  LatencyHistogram latency;
  LoadProgress a;
  a.phase = "publishing";
  a.connected_now = 4;
  a.sent = 10;
  LoadProgress b;
  b.phase = "waiting";
  b.connected_now = 5;
  b.sent = 0;
  const auto merged = merge_progress({a, b}, latency, 2.0);
  EXPECT_EQ(merged.phase, "waiting");
  EXPECT_EQ(merged.connected_now, 9u);
  EXPECT_EQ(merged.sent, 10u);
}

}  // namespace
}  // namespace certacl::sim
