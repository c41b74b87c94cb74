#pragma once
// Thousands of TLS connections need thousands of descriptors (libmosquitto also keeps a
// socket pair per client), so the simulator raises its own open-file limit.

#include <cstdint>
#include <string>

namespace certacl::sim {

// Raises RLIMIT_NOFILE's soft limit to the hard limit, and the hard limit to `wanted` when
// the process may (root); returns the limit now in force.
std::uint64_t raise_open_file_limit(std::uint64_t wanted = 0);

// Descriptors one simulated device costs (its socket plus libmosquitto's socket pair).
inline constexpr std::uint64_t kDescriptorsPerDevice = 3;

[[nodiscard]] std::uint64_t descriptors_needed(std::uint64_t devices);

// Empty when `devices` fit under `limit`, else why not (with the fix).
[[nodiscard]] std::string descriptor_budget_problem(std::uint64_t devices, std::uint64_t limit);

}  // namespace certacl::sim
