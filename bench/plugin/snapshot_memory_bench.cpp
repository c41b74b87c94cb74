// Memory held by the plugin's registry snapshot at 100,000 devices, and across 1,000 registry
// changes: applied from the change log (RegistrySnapshot::apply, what the watchers do now)
// against a whole new snapshot per change (what they did before), each with the broker's
// pattern of one snapshot in force while the next is built. Prints live heap bytes (glibc
// mallinfo2) and the process RSS (after malloc_trim). Run: build/bin/certacl_snapshot_memory_bench
#include <fmt/format.h>
#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "fleet.h"
#include "registry_snapshot.h"

namespace {

using certacl::policy::RegistrySnapshot;
using Clock = std::chrono::steady_clock;

struct Memory {
  double heap_mb = 0;
  double rss_mb = 0;
};

Memory memory_now() {
  malloc_trim(0);
  Memory memory;
  memory.heap_mb = static_cast<double>(mallinfo2().uordblks) / 1e6;
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) memory.rss_mb = std::stod(line.substr(6)) / 1e3;
  }
  return memory;
}

double since_ms(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

}  // namespace

int main() {
  constexpr std::size_t kDevices = 100'000;
  constexpr int kChanges = 1000;
  constexpr int kFullReloads = 20;
  const certacl::RegistryContents template_contents = certacl::bench::fleet(kDevices);
  const Memory base = memory_now();  // the template stays for the rebuilds below
  std::shared_ptr<const RegistrySnapshot> in_force =
      RegistrySnapshot::build(template_contents, certacl::bench::kNow);
  const Memory built = memory_now();
  const auto snapshot_mb = [&base](const Memory& now) { return now.heap_mb - base.heap_mb; };
  fmt::print("{} devices, one certificate each, 20 rules\n", kDevices);
  fmt::print("  snapshot: {:.1f} MB live heap ({:.0f} B per device)\n", snapshot_mb(built),
             snapshot_mb(built) * 1e6 / kDevices);

  // Incremental: the watcher applies each change to its last snapshot; the broker keeps the
  // previous one in force until it adopts the next.
  const Memory before_changes = memory_now();
  double slowest_ms = 0;
  double total_ms = 0;
  double trim_slowest_ms = 0;
  double trim_total_ms = 0;
  for (int i = 0; i < kChanges; ++i) {
    const auto start = Clock::now();
    auto next = RegistrySnapshot::apply(
        *in_force,
        certacl::bench::revocation(in_force->change_counter(), in_force->ca_certificate_sha256(),
                                   static_cast<std::size_t>(i) * 97 % kDevices),
        certacl::bench::kNow);
    const double ms = since_ms(start);
    total_ms += ms;
    slowest_ms = std::max(slowest_ms, ms);
    in_force = std::move(next);
    // What the broker thread does after each adoption (hand_back_free_pages, safe_point.cpp).
    const auto trim_start = Clock::now();
    (void)malloc_trim(0);
    const double trim_ms = since_ms(trim_start);
    trim_total_ms += trim_ms;
    trim_slowest_ms = std::max(trim_slowest_ms, trim_ms);
  }
  const Memory after_changes = memory_now();
  fmt::print(
      "  {} revocations applied from the change log: mean {:.3f} ms, max {:.3f} ms each; live "
      "heap {:.1f} -> {:.1f} MB, RSS {:.1f} -> {:.1f} MB\n",
      kChanges, total_ms / kChanges, slowest_ms, snapshot_mb(before_changes),
      snapshot_mb(after_changes), before_changes.rss_mb, after_changes.rss_mb);
  fmt::print("  malloc_trim after each change (heap {:.1f} MB): mean {:.3f} ms, max {:.3f} ms\n",
             static_cast<double>(mallinfo2().arena) / 1e6, trim_total_ms / kChanges,
             trim_slowest_ms);

  // Before: every change read the whole registry and built a whole new snapshot while the
  // old one was still in force (two full copies in flight).
  double full_total_ms = 0;
  Memory peak = after_changes;
  for (int i = 0; i < kFullReloads; ++i) {
    const auto start = Clock::now();
    auto next = RegistrySnapshot::build(template_contents, certacl::bench::kNow);
    full_total_ms += since_ms(start);
    const Memory both = memory_now();
    if (both.rss_mb > peak.rss_mb) peak = both;
    in_force = std::move(next);
  }
  const Memory after_full = memory_now();
  fmt::print(
      "  {} whole rebuilds (the previous behaviour): mean {:.1f} ms each (build only, no "
      "read); live heap up to {:.1f} MB with two copies in flight; RSS up to {:.1f} MB, {:.1f} "
      "MB after\n",
      kFullReloads, full_total_ms / kFullReloads, snapshot_mb(peak), peak.rss_mb,
      after_full.rss_mb);
  return 0;
}
