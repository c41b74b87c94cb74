#include "engine/process_limits.h"

#include <fmt/format.h>
#include <sys/resource.h>

namespace certacl::sim {
namespace {
constexpr std::uint64_t kReservedDescriptors = 64;  // stdio, epoll, CA subprocess pipes
}

std::uint64_t raise_open_file_limit(std::uint64_t wanted) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  if (wanted > limit.rlim_max) {
    const rlimit raised{static_cast<rlim_t>(wanted), static_cast<rlim_t>(wanted)};
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;  // fails unless privileged
  }
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return limit.rlim_cur == RLIM_INFINITY ? UINT64_MAX : static_cast<std::uint64_t>(limit.rlim_cur);
}

std::uint64_t descriptors_needed(std::uint64_t devices) {
  return devices * kDescriptorsPerDevice + kReservedDescriptors;
}

std::string descriptor_budget_problem(std::uint64_t devices, std::uint64_t limit) {
  const std::uint64_t needed = descriptors_needed(devices);
  if (needed <= limit) return {};
  return fmt::format(
      "{} devices need about {} file descriptors but the limit is {}; raise the hard limit "
      "(ulimit -Hn) or simulate at most {} devices",
      devices, needed, limit,
      limit > kReservedDescriptors ? (limit - kReservedDescriptors) / kDescriptorsPerDevice : 0);
}

}  // namespace certacl::sim
