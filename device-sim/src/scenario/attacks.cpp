// attacks: every way in that certacl was built to close. Each one must be refused (at the
// TLS layer or with CONNACK "not authorized"), and nothing may be delivered that the ACL
// forbids.

#include <fmt/format.h>

#include <array>
#include <filesystem>
#include <memory>

#include "provision/fleet_provisioner.h"
#include "provision/forged_certificate.h"
#include "scenario/connect_outcome.h"
#include "scenario/scenario_settings.h"

namespace certacl::sim {
namespace {

constexpr const char* kRefusedExpectation = "refused (TLS or CONNACK)";

struct Attacker {
  std::string check;
  std::unique_ptr<SimulatedDevice> device;
};

// Resolves the CA key path from the registry; a relative path is taken from the
// database's folder when it does not exist relative to the working directory.
std::string resolve_key_path(const FleetProvisioner& fleet, const std::string& ca_db) {
  std::filesystem::path key = fleet.ca_key_path();
  if (key.is_relative() && !std::filesystem::exists(key)) {
    key = std::filesystem::path(ca_db).parent_path() / key;
  }
  return key.string();
}

class AttackBuilder {
 public:
  AttackBuilder(FleetProvisioner& fleet, const ScenarioSettings& settings, std::string tag)
      : fleet_(fleet), settings_(settings), tag_(std::move(tag)) {}

  void add(std::string check, DeviceCredentials credentials) {
    attackers.push_back({std::move(check), std::make_unique<SimulatedDevice>(std::move(credentials),
                                                                             settings_.broker)});
  }

  DeviceCredentials forged(const std::string& common_name, const SigningAuthority* issuer,
                           const std::string& stem) {
    const auto files =
        forge_client_certificate(common_name, issuer, fleet_.device_file(stem + "-" + tag_, "crt"),
                                 fleet_.device_file(stem + "-" + tag_, "key"));
    return {common_name, common_name, files.certfile, files.keyfile};
  }

  std::vector<Attacker> attackers;
  std::vector<std::pair<std::string, std::string>> not_run;  // check, why

 private:
  FleetProvisioner& fleet_;
  const ScenarioSettings& settings_;
  std::string tag_;
};

void provision_attackers(FleetProvisioner& fleet, AttackBuilder& attacks, const std::string& tag,
                         const std::string& ca_db) {
  // Certificates the real CA never issued.
  attacks.add("rogue device, self-signed certificate", attacks.forged("sensor1", nullptr, "self"));
  const auto rogue_ca = make_rogue_authority("certacl-sim rogue CA");
  attacks.add("certificate from another CA", attacks.forged("sensor1", &rogue_ca, "other-ca"));
  attacks.add("CN containing '+' (another CA)", attacks.forged("sim+wild", &rogue_ca, "plus"));
  // Signed with the real CA key but never recorded: needs the key file (unencrypted). If
  // it cannot be read these checks are reported as not run, which fails the scenario.
  const std::vector<std::array<std::string, 3>> unrecorded{
      {"CN containing '#' (real CA key, not in DB)", "sim-legit#", "hash"},
      {"CN containing '+' (real CA key, not in DB)", "sim+", "plus-real"},
      {"registered name, real CA key, not in DB", "sensor1", "unrecorded"}};
  try {
    const auto stolen = load_authority(fleet.ca_certificate_pem(), resolve_key_path(fleet, ca_db));
    for (const auto& [check, common_name, stem] : unrecorded) {
      attacks.add(check, attacks.forged(common_name, &stolen, stem));
    }
  } catch (const std::exception& error) {
    for (const auto& row : unrecorded) attacks.not_run.push_back({row[0], error.what()});
  }

  // Certificates the CA did issue, made useless by the registry.
  fleet.ensure_device("sim-revoked", "sim-sensor");
  auto revoked = fleet.issue("sim-revoked");
  fleet.ca().revoke_serial(revoked.serial);
  attacks.add("revoked certificate", revoked.credentials);

  const std::string disabled_name = "sim-disabled-" + tag;
  fleet.ensure_device(disabled_name, "sim-sensor");
  auto disabled = fleet.issue(disabled_name);
  fleet.ca().disable_device(disabled_name);
  attacks.add("disabled device", disabled.credentials);

  fleet.ensure_device("sim-expired", "sim-sensor");
  attacks.add(
      "expired certificate",
      fleet.issue("sim-expired", {.days = 1, .backdate_days = 3, .file_stem = {}}).credentials);

  fleet.ensure_device("sim-spoofer", "sim-sensor");
  auto spoofer = fleet.issue("sim-spoofer").credentials;
  spoofer.client_id = "sensor1";
  attacks.add("client id claims another device (sensor1)", spoofer);

  attacks.add("no client certificate", DeviceCredentials{"sim-nocert", "sim-nocert", "", ""});
}

}  // namespace

ScenarioReport run_attacks(const ScenarioSettings& settings) {
  ScenarioReport report("attacks");
  CertificateAuthorityCli ca(settings.ca_bin, settings.ca_db);
  FleetProvisioner fleet(ca, settings.workdir);
  const std::string tag = run_tag();
  AttackBuilder attacks(fleet, settings, tag);
  std::unique_ptr<SimulatedDevice> observer;
  std::unique_ptr<SimulatedDevice> legit;
  try {
    fleet.ensure_role("sim-sensor", {{"allow", "publish", "sensors/%u/#"},
                                     {"allow", "subscribe", "commands/%u/#"}});
    fleet.ensure_role("sim-dashboard", {{"allow", "subscribe", "sensors/#"}});
    provision_attackers(fleet, attacks, tag, settings.ca_db);
    // The control devices are enrolled last: once the broker admits them, it has adopted
    // every registry change the attacks depend on (revocation, disabling).
    fleet.ensure_device("sim-observer", "sim-dashboard");
    fleet.ensure_device("sim-legit", "sim-sensor");
    observer =
        std::make_unique<SimulatedDevice>(fleet.issue("sim-observer").credentials, settings.broker);
    legit =
        std::make_unique<SimulatedDevice>(fleet.issue("sim-legit").credentials, settings.broker);
  } catch (const std::exception& error) {
    report.setup_failed(error.what());
    return report;
  }

  EventLoop loop;
  connect_admitted(loop, {observer.get(), legit.get()}, settings.wait_limit);
  std::vector<SimulatedDevice*> attackers;
  for (auto& attacker : attacks.attackers) attackers.push_back(attacker.device.get());
  connect_all(loop, attackers, settings.wait_limit);

  for (auto& attacker : attacks.attackers) {
    report.add(attacker.check, kRefusedExpectation, attacker.device->describe_outcome(),
               was_refused(*attacker.device));
  }
  for (const auto& [check, why] : attacks.not_run) {
    report.add(check, kRefusedExpectation, "not run: " + why, false);
  }

  // ACL checks need the two legitimate devices.
  const bool ready =
      observer->state() == SessionState::kConnected && legit->state() == SessionState::kConnected;
  report.add("control devices connect (sim-observer, sim-legit)", "accepted",
             fmt::format("{}; {}", observer->describe_outcome(), legit->describe_outcome()), ready);
  if (!ready) return report;

  const auto observer_mid = observer->subscribe("sensors/#", settings.qos);
  const int observer_qos =
      observer_mid ? wait_for_suback(loop, *observer, *observer_mid, settings.wait_limit) : -1;
  report.add("observer subscribes sensors/# (allowed)", "granted", describe_suback(observer_qos),
             observer_qos >= 0 && observer_qos < 0x80);

  const auto wildcard_mid = legit->subscribe("#", settings.qos);
  const int wildcard_qos =
      wildcard_mid ? wait_for_suback(loop, *legit, *wildcard_mid, settings.wait_limit) : -1;
  report.add("device subscribes to '#'", "SUBACK 0x80 (refused)", describe_suback(wildcard_qos),
             wildcard_qos == 0x80);

  // The spoofed reading goes first on the same connection: once the allowed one has
  // arrived, the spoofed one would have arrived before it, had the broker let it through.
  const std::string spoof_topic = "sensors/sensor1/temperature";
  const std::string own_topic = "sensors/sim-legit/temperature";
  legit->publish(spoof_topic, "spoofed reading", settings.qos);
  legit->publish(own_topic, "genuine reading", settings.qos);
  const bool control_arrived = loop.run_until(
      [&] { return count_on_topic(*observer, own_topic) >= 1; }, settings.wait_limit);
  loop.run_for(settings.quiet_period);

  report.add("allowed publish reaches the observer (control)", "1 delivered",
             fmt::format("{} delivered", count_on_topic(*observer, own_topic)),
             control_arrived && count_on_topic(*observer, own_topic) == 1);
  const auto spoofed = count_on_topic(*observer, spoof_topic);
  report.add("publish outside ACL (as sensor1's topic)", "0 delivered",
             fmt::format("{} delivered", spoofed), spoofed == 0);
  report.add("messages reaching the '#' subscriber", "0 delivered",
             fmt::format("{} delivered", legit->received_count()), legit->received_count() == 0);

  for (auto* device : {observer.get(), legit.get()}) {
    report.device_activity(device->name(), device->describe_outcome(), device->sent_count(),
                           device->received_count(), device->refused_subscriptions());
    device->disconnect();
  }
  loop.run_for(std::chrono::milliseconds(50));
  return report;
}

}  // namespace certacl::sim
