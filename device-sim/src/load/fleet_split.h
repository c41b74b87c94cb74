#pragma once
// Splitting a load run across worker processes and putting their results back together:
// pure functions, so the arithmetic is unit-tested without starting a process.
//   - how many workers a fleet needs (the open-file limit is per process);
//   - which devices each worker drives;
//   - the command line a worker is started with;
//   - a worker's result on the wire (one JSON line) and the merge of all of them.

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "load/load_run.h"

namespace certacl::sim {

// `requested` workers when non-zero (never more than devices); otherwise as few processes
// as hold `devices` within `descriptor_limit` each.
[[nodiscard]] std::size_t choose_worker_count(std::size_t devices, std::size_t requested,
                                              std::uint64_t descriptor_limit);

// Worker `index` of `count` drives a contiguous, near-equal share; the shares cover the
// fleet exactly once.
[[nodiscard]] FleetSlice fleet_slice(std::size_t devices, std::size_t index, std::size_t count);

// Arguments after argv[0] that make certacl-sim run worker `index` of `count`: the same
// fleet and broker, its share of the connect rate, and the hidden --worker-slice option.
[[nodiscard]] std::vector<std::string> worker_arguments(const LoadSettings& settings,
                                                        std::size_t index, std::size_t count);
// Parses "I/N" from --worker-slice; throws std::invalid_argument unless 0 <= I < N.
[[nodiscard]] std::pair<std::size_t, std::size_t> parse_worker_slice(const std::string& text);

[[nodiscard]] nlohmann::json load_result_to_wire(const LoadResult& result);
// Throws std::invalid_argument on a malformed message.
[[nodiscard]] LoadResult load_result_from_wire(const nlohmann::json& json);

// Counts add up; the ramp and the publish window are the longest of the workers' (they run
// at the same time, so the fleet's rate is all connections over the longest ramp);
// latencies merge histogram by histogram. The first error keeps its worker's number.
[[nodiscard]] LoadResult merge_load_results(const std::vector<LoadResult>& results);

// A worker's progress on the wire (with its latency histogram so far); from_wire fills
// `latency` with the histogram and points the progress at it.
[[nodiscard]] nlohmann::json load_progress_to_wire(const LoadProgress& progress);
[[nodiscard]] LoadProgress load_progress_from_wire(const nlohmann::json& json,
                                                   LatencyHistogram& latency);

// Progress of several workers as one line: counts add up, the phase is the earliest any
// worker is still in, the p50 comes from the merged histograms.
[[nodiscard]] LoadProgress merge_progress(const std::vector<LoadProgress>& parts,
                                          const LatencyHistogram& merged_latency, double elapsed_s);

}  // namespace certacl::sim
