// What the simulator does per message, against what it would cost without the stamp:
//   - encode_telemetry vs. a bare std::string of the same size (the cost of the stamp);
//   - decode_telemetry vs. a memchr over the payload (the cost of parsing it);
//   - LatencyRecorder::record vs. vector::push_back (the cost of bounded sampling);
//   - epoll loop over N idle devices: the per-wake-up cost of keeping epoll in step.
// Compare the pairs' times: the ratio is the overhead the simulator adds per message.

#include <benchmark/benchmark.h>

#include <cstring>
#include <memory>
#include <vector>

#include "engine/clock.h"
#include "engine/event_loop.h"
#include "engine/latency_recorder.h"
#include "engine/telemetry_payload.h"

namespace {

using namespace certacl::sim;

void BM_Baseline_PayloadOfSize(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    std::string payload(size, '.');
    benchmark::DoNotOptimize(payload.data());
  }
}
BENCHMARK(BM_Baseline_PayloadOfSize)->Arg(64)->Arg(1024);

void BM_EncodeTelemetry(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  std::uint64_t sequence = 0;
  for (auto _ : state) {
    auto payload = encode_telemetry({sequence++, steady_now_ns()}, size);
    benchmark::DoNotOptimize(payload.data());
  }
}
BENCHMARK(BM_EncodeTelemetry)->Arg(64)->Arg(1024);

void BM_Baseline_ScanPayload(benchmark::State& state) {
  const auto payload = encode_telemetry({12345, steady_now_ns()}, 64);
  for (auto _ : state) {
    benchmark::DoNotOptimize(std::memchr(payload.data(), ';', payload.size()));
  }
}
BENCHMARK(BM_Baseline_ScanPayload);

void BM_DecodeTelemetry(benchmark::State& state) {
  const auto payload = encode_telemetry({12345, steady_now_ns()}, 64);
  for (auto _ : state) {
    benchmark::DoNotOptimize(decode_telemetry(payload));
  }
}
BENCHMARK(BM_DecodeTelemetry);

void BM_Baseline_VectorPushBack(benchmark::State& state) {
  std::vector<std::int64_t> samples;
  std::int64_t value = 0;
  for (auto _ : state) {
    if (samples.size() == 1'000'000) samples.clear();
    samples.push_back(++value);
  }
}
BENCHMARK(BM_Baseline_VectorPushBack);

void BM_LatencyRecord(benchmark::State& state) {
  LatencyRecorder recorder(1'000'000);
  std::int64_t value = 0;
  for (auto _ : state) recorder.record(++value);
}
BENCHMARK(BM_LatencyRecord);

// One wake-up of the loop over N devices that have no socket yet (the O(N) bookkeeping
// every wake-up pays, independent of traffic).
void BM_EventLoopWakeUp(benchmark::State& state) {
  const auto count = static_cast<std::size_t>(state.range(0));
  std::vector<std::unique_ptr<SimulatedDevice>> devices;
  EventLoop loop;
  for (std::size_t i = 0; i < count; ++i) {
    devices.push_back(std::make_unique<SimulatedDevice>(
        DeviceCredentials{"d" + std::to_string(i), "d" + std::to_string(i), "", ""},
        BrokerEndpoint{}));
    loop.add(*devices.back());
  }
  for (auto _ : state) {
    int wakeups = 0;
    loop.run_until([&] { return ++wakeups > 1; }, std::chrono::milliseconds(1000),
                   [] { return std::chrono::milliseconds(0); });
  }
  state.SetComplexityN(static_cast<benchmark::IterationCount>(count));
}
BENCHMARK(BM_EventLoopWakeUp)->Arg(100)->Arg(1000)->Arg(5000)->Complexity();

}  // namespace

BENCHMARK_MAIN();
