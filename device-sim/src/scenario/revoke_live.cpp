// revoke-live: a connected device is revoked with certacl-ca while it is online; the
// broker must drop it (the plugin's tick notices the registry change) and refuse it after.

#include <fmt/format.h>

#include <algorithm>

#include "provision/fleet_provisioner.h"
#include "scenario/connect_outcome.h"
#include "scenario/scenario_settings.h"

namespace certacl::sim {

ScenarioReport run_revoke_live(const ScenarioSettings& settings) {
  ScenarioReport report("revoke-live");
  CertificateAuthorityCli ca(settings.ca_bin, settings.ca_db);
  FleetProvisioner fleet(ca, settings.workdir);
  IssuedDevice issued;
  try {
    fleet.ensure_role("sim-sensor", {{"allow", "publish", "sensors/%u/#"},
                                     {"allow", "subscribe", "commands/%u/#"}});
    fleet.ensure_device("sim-live", "sim-sensor");
    issued = fleet.issue("sim-live");
  } catch (const std::exception& error) {
    report.setup_failed(error.what());
    return report;
  }

  EventLoop loop;
  SimulatedDevice live(issued.credentials, settings.broker);
  connect_admitted(loop, {&live}, settings.wait_limit);
  report.add("device connects before revocation", "accepted", live.describe_outcome(),
             live.state() == SessionState::kConnected);
  if (live.state() != SessionState::kConnected) return report;
  live.publish("sensors/sim-live/temperature", "21.5", settings.qos);
  loop.run_until([&] { return live.acked_count() >= 1 || settings.qos == 0; }, settings.wait_limit);

  // The broker may already act while certacl-ca is still exiting, so the drop is timed
  // from the moment the revocation is committed (the command returned), never negative.
  const auto command_started = SteadyClock::now();
  try {
    ca.revoke_serial(issued.serial);
  } catch (const std::exception& error) {
    report.add("certacl-ca revoke", "succeeds", error.what(), false);
    return report;
  }
  const auto committed = SteadyClock::now();
  const auto limit = std::chrono::duration_cast<std::chrono::milliseconds>(settings.drop_limit);
  loop.run_until([&] { return live.state() != SessionState::kConnected; },
                 settings.wait_limit > limit ? settings.wait_limit : limit);
  const bool dropped = live.state() == SessionState::kDropped;
  const double drop_ms =
      dropped ? std::max(0.0, milliseconds_between(committed, live.state_changed_at())) : -1.0;
  report.add("broker drops the revoked device", fmt::format("dropped within {} ms", limit.count()),
             dropped ? fmt::format("dropped {:.0f} ms after revocation", drop_ms)
                     : live.describe_outcome(),
             dropped && drop_ms <= static_cast<double>(limit.count()));
  report.measure("revoke command duration", milliseconds_between(command_started, committed), "ms");
  if (dropped) report.measure("time from revocation to drop", drop_ms, "ms");

  SimulatedDevice again(issued.credentials, settings.broker);
  connect_all(loop, {&again}, settings.wait_limit);
  report.add("revoked device reconnects", "refused (TLS or CONNACK)", again.describe_outcome(),
             was_refused(again));
  return report;
}

}  // namespace certacl::sim
