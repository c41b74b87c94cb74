// The ACL decision as the broker's ACL_CHECK callback makes it: find the session by client
// pointer, ask its compiled ACL. Baseline: the same rules checked one by one with no index
// (what a straightforward plugin does), side by side.
#include <benchmark/benchmark.h>

#include <string>
#include <unordered_map>
#include <vector>

#include "certacl/topic.h"
#include "client_acl.h"
#include "fleet.h"

namespace certacl::bench {
namespace {

struct Session {
  policy::ClientAcl acl;
};

// A linear, index-free evaluation of the same rules, for comparison.
struct LinearAcl {
  std::vector<std::string> allow_publish;
  std::vector<std::string> deny_publish;
  explicit LinearAcl(const std::vector<RoleRule>& rules, const std::string& identity) {
    for (const RoleRule& rule : rules) {
      if (rule.action != RuleAction::kPublish) continue;
      const std::string pattern = substitute_pattern(rule.pattern, identity, identity);
      (rule.effect == RuleEffect::kAllow ? allow_publish : deny_publish).push_back(pattern);
    }
  }
  bool check_publish(std::string_view topic) const noexcept {
    for (const std::string& pattern : deny_publish) {
      if (topic_matches_filter(pattern, topic)) return false;
    }
    for (const std::string& pattern : allow_publish) {
      if (topic_matches_filter(pattern, topic)) return true;
    }
    return false;
  }
};

void BM_AclPublishAllowed(benchmark::State& state) {
  const auto rules = sensor_rules(static_cast<std::size_t>(state.range(0)));
  const policy::ClientAcl acl = policy::ClientAcl::compile(rules, "sensor-7", "sensor-7");
  const std::string_view topic = "fleet/sensor-7/telemetry/temperature";
  for (auto _ : state) benchmark::DoNotOptimize(acl.check_publish(topic));
  state.SetLabel(std::to_string(acl.rule_count()) + " rules");
}
BENCHMARK(BM_AclPublishAllowed)->Arg(20)->Arg(1000);

void BM_AclPublishDeniedNoRule(benchmark::State& state) {
  const auto rules = sensor_rules(static_cast<std::size_t>(state.range(0)));
  const policy::ClientAcl acl = policy::ClientAcl::compile(rules, "sensor-7", "sensor-7");
  const std::string_view topic = "fleet/sensor-8/telemetry/temperature";
  for (auto _ : state) benchmark::DoNotOptimize(acl.check_publish(topic));
}
BENCHMARK(BM_AclPublishDeniedNoRule)->Arg(20)->Arg(1000);

void BM_AclSubscribeContainment(benchmark::State& state) {
  std::vector<RoleRule> rules = sensor_rules(static_cast<std::size_t>(state.range(0)));
  rules.push_back({"sensor", RuleEffect::kAllow, RuleAction::kSubscribe, "cmd/%u/#"});
  const policy::ClientAcl acl = policy::ClientAcl::compile(rules, "sensor-7", "sensor-7");
  for (auto _ : state) benchmark::DoNotOptimize(acl.check_subscribe("cmd/sensor-7/+/reboot"));
}
BENCHMARK(BM_AclSubscribeContainment)->Arg(20)->Arg(1000);

void BM_LinearBaselinePublishAllowed(benchmark::State& state) {
  const auto rules = sensor_rules(static_cast<std::size_t>(state.range(0)));
  const LinearAcl acl(rules, "sensor-7");
  const std::string_view topic = "fleet/sensor-7/telemetry/temperature";
  for (auto _ : state) benchmark::DoNotOptimize(acl.check_publish(topic));
}
BENCHMARK(BM_LinearBaselinePublishAllowed)->Arg(20)->Arg(1000);

// The whole callback body with 100,000 live sessions (one per registered device): session
// lookup by client pointer plus the decision.
void BM_AclCheckWith100kSessions(benchmark::State& state) {
  constexpr std::size_t kDevices = 100'000;
  const auto rules = sensor_rules(20);
  std::vector<int> clients(kDevices);  // stand-ins for struct mosquitto* addresses
  std::unordered_map<const void*, Session> sessions;
  sessions.reserve(kDevices);
  for (std::size_t i = 0; i < kDevices; ++i) {
    const std::string name = device_name(i);
    sessions.emplace(&clients[i], Session{policy::ClientAcl::compile(rules, name, name)});
  }
  const void* client = &clients[77'777];
  const std::string topic = "fleet/" + device_name(77'777) + "/telemetry";
  for (auto _ : state) {
    const auto found = sessions.find(client);
    benchmark::DoNotOptimize(found->second.acl.check_publish(topic));
  }
}
BENCHMARK(BM_AclCheckWith100kSessions);

}  // namespace
}  // namespace certacl::bench
