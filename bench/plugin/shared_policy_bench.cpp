// Shared compiled rules side by side with one compile per session: what a connect (or a
// rule change, per live session) costs, and what a delivery costs when many sessions take
// turns, as a fan-out does. "PerSession" rows compile each session's rules with %u/%c
// substituted, as certacl did before RolePolicy; "Shared" rows bind the role's one policy.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "client_acl.h"
#include "fleet.h"

namespace certacl::bench {
namespace {

constexpr std::size_t kSessions = 1'000;

void BM_ConnectAclPerSessionCompile(benchmark::State& state) {
  const auto rules = sensor_rules(static_cast<std::size_t>(state.range(0)));
  const std::string name = device_name(4242);
  for (auto _ : state) benchmark::DoNotOptimize(policy::ClientAcl::compile(rules, name, name));
}
BENCHMARK(BM_ConnectAclPerSessionCompile)->Arg(20)->Arg(1000);

void BM_ConnectAclSharedBind(benchmark::State& state) {
  const auto rules = sensor_rules(static_cast<std::size_t>(state.range(0)));
  const auto role = policy::RolePolicy::compile(rules);
  const std::string name = device_name(4242);
  for (auto _ : state) benchmark::DoNotOptimize(policy::ClientAcl::bind(role, name, name));
}
BENCHMARK(BM_ConnectAclSharedBind)->Arg(20)->Arg(1000);

std::vector<policy::ClientAcl> sessions(bool shared, std::size_t rule_count) {
  const auto rules = sensor_rules(rule_count);
  const auto role = policy::RolePolicy::compile(rules);
  std::vector<policy::ClientAcl> acls;
  acls.reserve(kSessions);
  for (std::size_t i = 0; i < kSessions; ++i) {
    const std::string name = device_name(i);
    acls.push_back(
        shared ? policy::ClientAcl::bind(role, name, name)
               : policy::ClientAcl::bind(policy::RolePolicy::compile_substituted(rules, name, name),
                                         name, name));
  }
  return acls;
}

// One message delivered to 1,000 subscribers in turn: every READ check on another session.
void fan_out(benchmark::State& state, bool shared) {
  const auto acls = sessions(shared, static_cast<std::size_t>(state.range(0)));
  const std::string topic = "fleet/zone-3/line/data";
  std::size_t next = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(acls[next].check_read(topic));
    next = next + 1 == acls.size() ? 0 : next + 1;
  }
}
void BM_FanOutReadPerSessionTrees(benchmark::State& state) {
  fan_out(state, false);
}
void BM_FanOutReadSharedRole(benchmark::State& state) {
  fan_out(state, true);
}
BENCHMARK(BM_FanOutReadPerSessionTrees)->Arg(20)->Arg(1000);
BENCHMARK(BM_FanOutReadSharedRole)->Arg(20)->Arg(1000);

// A role's rules change with 1,000 of its devices connected: every session gets new rules.
void BM_RuleChange1000SessionsPerSessionCompile(benchmark::State& state) {
  const auto rules = sensor_rules(20);
  std::vector<std::string> names;
  for (std::size_t i = 0; i < kSessions; ++i) names.push_back(device_name(i));
  for (auto _ : state) {
    for (const std::string& name : names) {
      benchmark::DoNotOptimize(policy::ClientAcl::compile(rules, name, name));
    }
  }
}
BENCHMARK(BM_RuleChange1000SessionsPerSessionCompile)->Unit(benchmark::kMicrosecond);

void BM_RuleChange1000SessionsSharedRole(benchmark::State& state) {
  const auto rules = sensor_rules(20);
  std::vector<std::string> names;
  for (std::size_t i = 0; i < kSessions; ++i) names.push_back(device_name(i));
  for (auto _ : state) {
    const auto role = policy::RolePolicy::compile(rules);  // once per role
    for (const std::string& name : names) {
      benchmark::DoNotOptimize(policy::ClientAcl::bind(role, name, name));
    }
  }
}
BENCHMARK(BM_RuleChange1000SessionsSharedRole)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace certacl::bench
