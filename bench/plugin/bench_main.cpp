// Runs the benchmarks, then prints the ratios (of CPU time, steadier than wall time on a
// shared machine) that matter: indexed vs linear ACL, 1,000 vs
// 20 rules, and the decision against mosquitto-go-auth's published 167 ns per ACL check.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace {

class RecordingReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.run_type == Run::RT_Iteration) {
        nanoseconds_[run.benchmark_name()] = run.GetAdjustedCPUTime() * multiplier(run.time_unit);
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }
  [[nodiscard]] const std::map<std::string, double>& nanoseconds() const { return nanoseconds_; }

 private:
  static double multiplier(benchmark::TimeUnit unit) {
    switch (unit) {
      case benchmark::kSecond:
        return 1e9;
      case benchmark::kMillisecond:
        return 1e6;
      case benchmark::kMicrosecond:
        return 1e3;
      default:
        return 1.0;
    }
  }
  std::map<std::string, double> nanoseconds_;
};

void print_ratio(const std::map<std::string, double>& ns, const std::string& label,
                 const std::string& numerator, const std::string& denominator) {
  const auto top = ns.find(numerator);
  const auto bottom = ns.find(denominator);
  if (top == ns.end() || bottom == ns.end() || bottom->second <= 0) return;
  std::printf("  %-58s %10.2fx  (%.1f ns / %.1f ns)\n", label.c_str(), top->second / bottom->second,
              top->second, bottom->second);
}

void print_against_reference(const std::map<std::string, double>& ns, const std::string& name) {
  constexpr double kGoAuthFileBackendNs = 167.0;  // mosquitto-go-auth README, file backend
  const auto found = ns.find(name);
  if (found == ns.end()) return;
  std::printf("  %-58s %10.2fx  (167 ns / %.1f ns)\n", (name + " vs go-auth 167 ns").c_str(),
              kGoAuthFileBackendNs / found->second, found->second);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  RecordingReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  const auto& ns = reporter.nanoseconds();
  std::printf("\nRatios (speed-up = baseline / certacl; growth = larger / smaller)\n");
  print_ratio(ns, "speed-up over linear scan, 20 rules", "BM_LinearBaselinePublishAllowed/20",
              "BM_AclPublishAllowed/20");
  print_ratio(ns, "speed-up over linear scan, 1000 rules", "BM_LinearBaselinePublishAllowed/1000",
              "BM_AclPublishAllowed/1000");
  print_ratio(ns, "growth 1000 vs 20 rules (allowed publish)", "BM_AclPublishAllowed/1000",
              "BM_AclPublishAllowed/20");
  print_ratio(ns, "growth with 100k sessions vs bare decision (20 rules)",
              "BM_AclCheckWith100kSessions", "BM_AclPublishAllowed/20");
  print_ratio(ns, "connect: per-session compile vs shared bind, 20 rules",
              "BM_ConnectAclPerSessionCompile/20", "BM_ConnectAclSharedBind/20");
  print_ratio(ns, "connect: per-session compile vs shared bind, 1000 rules",
              "BM_ConnectAclPerSessionCompile/1000", "BM_ConnectAclSharedBind/1000");
  print_ratio(ns, "fan-out READ: per-session trees vs shared role, 20 rules",
              "BM_FanOutReadPerSessionTrees/20", "BM_FanOutReadSharedRole/20");
  print_ratio(ns, "fan-out READ: per-session trees vs shared role, 1000 rules",
              "BM_FanOutReadPerSessionTrees/1000", "BM_FanOutReadSharedRole/1000");
  print_ratio(ns, "rule change, 1000 sessions: per-session vs shared",
              "BM_RuleChange1000SessionsPerSessionCompile", "BM_RuleChange1000SessionsSharedRole");
  print_ratio(ns, "snapshot reload growth 100k vs 1k devices",
              "BM_SnapshotReloadFromDatabase/100000", "BM_SnapshotReloadFromDatabase/1000");
  std::printf("Reference (not measured here): mosquitto-go-auth file backend, 167 ns per check\n");
  print_against_reference(ns, "BM_AclPublishAllowed/20");
  print_against_reference(ns, "BM_AclPublishAllowed/1000");
  print_against_reference(ns, "BM_AclCheckWith100kSessions");
  return 0;
}
