// multi-broker: two brokers on one registry (a PostgreSQL one, docs/SCALING.md), devices
// spread over both. One device is revoked through certacl-ca; whichever broker holds it must
// drop it, the others stay connected, and neither broker lets it back in.

#include <fmt/format.h>

#include <algorithm>
#include <memory>

#include "provision/fleet_provisioner.h"
#include "scenario/connect_outcome.h"
#include "scenario/scenario_settings.h"

namespace certacl::sim {
namespace {

constexpr int kDevices = 4;       // even ones on the first broker, odd ones on the second
constexpr int kRevokedIndex = 1;  // on the second broker

bool all_connected(const std::vector<std::unique_ptr<SimulatedDevice>>& devices, int except) {
  for (int i = 0; i < static_cast<int>(devices.size()); ++i) {
    if (i != except && devices[i]->state() != SessionState::kConnected) return false;
  }
  return true;
}

}  // namespace

ScenarioReport run_multi_broker(const ScenarioSettings& settings) {
  ScenarioReport report("multi-broker");
  if (settings.second_broker_port == 0) {
    report.setup_failed("needs --second-port (a second broker on the same registry)");
    return report;
  }
  BrokerEndpoint second = settings.broker;
  second.port = settings.second_broker_port;
  const BrokerEndpoint brokers[] = {settings.broker, second};

  CertificateAuthorityCli ca(settings.ca_bin, settings.ca_db);
  FleetProvisioner fleet(ca, settings.workdir);
  std::vector<IssuedDevice> issued;
  const std::string tag = run_tag();
  try {
    fleet.ensure_role("sim-sensor", {{"allow", "publish", "sensors/%u/#"},
                                     {"allow", "subscribe", "commands/%u/#"}});
    for (int i = 0; i < kDevices; ++i) {
      const std::string name = fmt::format("sim-mb-{}-{}", tag, i);
      fleet.ensure_device(name, "sim-sensor");
      issued.push_back(fleet.issue(name));
    }
  } catch (const std::exception& error) {
    report.setup_failed(error.what());
    return report;
  }

  EventLoop loop;
  std::vector<std::unique_ptr<SimulatedDevice>> devices;
  std::vector<SimulatedDevice*> pointers;
  for (int i = 0; i < kDevices; ++i) {
    devices.push_back(std::make_unique<SimulatedDevice>(issued[i].credentials, brokers[i % 2]));
    pointers.push_back(devices.back().get());
  }
  connect_admitted(loop, pointers, settings.wait_limit);
  for (int i = 0; i < kDevices; ++i) {
    report.add(fmt::format("device {} connects to broker {}", i, i % 2 == 0 ? 'A' : 'B'),
               "accepted", devices[i]->describe_outcome(),
               devices[i]->state() == SessionState::kConnected);
  }
  if (!all_connected(devices, -1)) return report;

  SimulatedDevice& victim = *devices[kRevokedIndex];
  const auto command_started = SteadyClock::now();
  try {
    ca.revoke_serial(issued[kRevokedIndex].serial);
  } catch (const std::exception& error) {
    report.add("certacl-ca revoke", "succeeds", error.what(), false);
    return report;
  }
  const auto committed = SteadyClock::now();
  const auto limit = std::chrono::duration_cast<std::chrono::milliseconds>(settings.drop_limit);
  loop.run_until([&] { return victim.state() != SessionState::kConnected; },
                 std::max(settings.wait_limit, limit));
  const bool dropped = victim.state() == SessionState::kDropped;
  const double drop_ms =
      dropped ? std::max(0.0, milliseconds_between(committed, victim.state_changed_at())) : -1.0;
  report.add("broker B drops the revoked device",
             fmt::format("dropped within {} ms", limit.count()),
             dropped ? fmt::format("dropped {:.0f} ms after revocation", drop_ms)
                     : victim.describe_outcome(),
             dropped && drop_ms <= static_cast<double>(limit.count()));
  report.measure("revoke command duration", milliseconds_between(command_started, committed), "ms");
  if (dropped) report.measure("time from revocation to drop", drop_ms, "ms");
  // Give a wrong kick on either broker the time to happen before checking the others.
  loop.run_until([] { return false; }, settings.quiet_period);
  report.add("the other devices stay connected on both brokers", "connected",
             all_connected(devices, kRevokedIndex) ? "connected" : "some were dropped",
             all_connected(devices, kRevokedIndex));

  for (int b = 0; b < 2; ++b) {
    SimulatedDevice again(issued[kRevokedIndex].credentials, brokers[b]);
    connect_all(loop, {&again}, settings.wait_limit);
    report.add(fmt::format("revoked device reconnects to broker {}", b == 0 ? 'A' : 'B'),
               "refused (TLS or CONNACK)", again.describe_outcome(), was_refused(again));
  }
  return report;
}

}  // namespace certacl::sim
