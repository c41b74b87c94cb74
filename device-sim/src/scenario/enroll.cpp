// enroll: a fleet gets its first certificates over EST with one-time tokens, connects to
// the broker with them, then renews over mutual TLS before they expire (the server's
// --lifetime may be minutes) and connects again with the renewed certificates.

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include "est/est_client.h"
#include "provision/fleet_provisioner.h"
#include "scenario/connect_outcome.h"
#include "scenario/scenario_settings.h"

namespace certacl::sim {
namespace {

struct EnrolledDevice {
  std::string name;
  EstCertificate current;
};

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Connects one session per device with `pick`'s certificate; returns how many were admitted.
std::size_t connect_fleet(const ScenarioSettings& settings,
                          const std::vector<EnrolledDevice>& fleet, std::string& first_problem) {
  EventLoop loop;
  std::vector<std::unique_ptr<SimulatedDevice>> sessions;
  std::vector<SimulatedDevice*> pointers;
  for (const EnrolledDevice& device : fleet) {
    DeviceCredentials credentials{device.name, device.name, device.current.certfile,
                                  device.current.keyfile};
    sessions.push_back(std::make_unique<SimulatedDevice>(credentials, settings.broker));
    pointers.push_back(sessions.back().get());
  }
  connect_admitted(loop, pointers, settings.wait_limit);
  std::size_t connected = 0;
  for (const auto& session : sessions) {
    if (session->state() == SessionState::kConnected) {
      ++connected;
      session->disconnect();
    } else if (first_problem.empty()) {
      first_problem = session->describe_outcome();
    }
  }
  loop.run_until([] { return false; }, std::chrono::milliseconds(50));  // let DISCONNECTs go
  return connected;
}

}  // namespace

ScenarioReport run_enroll(const ScenarioSettings& settings) {
  ScenarioReport report("enroll");
  if (settings.est.port <= 0) {
    report.setup_failed("the enroll scenario needs --est-port (a running certacl-ca serve)");
    return report;
  }
  CertificateAuthorityCli ca(settings.ca_bin, settings.ca_db);
  FleetProvisioner provisioner(ca, settings.workdir);
  const std::string directory = settings.workdir + "/est";
  std::vector<std::pair<std::string, std::string>> tokens;
  try {
    std::filesystem::create_directories(directory);
    provisioner.ensure_role("sim-est-sensor", {{"allow", "publish", "sensors/%u/#"}});
    for (int i = 0; i < settings.enroll_fleet; ++i) {
      const std::string name = fmt::format("sim-est-{}", i);
      provisioner.ensure_device(name, "sim-est-sensor");
      tokens.emplace_back(name, ca.create_token(name));
    }
  } catch (const std::exception& error) {
    report.setup_failed(error.what());
    return report;
  }

  const EstClient client(settings.est);
  std::vector<EnrolledDevice> fleet;
  std::string enroll_problem;
  const auto enroll_started = SteadyClock::now();
  for (const auto& [name, token] : tokens) {
    try {
      fleet.push_back({name, client.enroll(name, token, directory, name)});
    } catch (const std::exception& error) {
      if (enroll_problem.empty()) enroll_problem = error.what();
    }
  }
  const double enroll_ms = milliseconds_between(enroll_started, SteadyClock::now());
  report.add("fleet enrolls with one-time tokens (simpleenroll)",
             fmt::format("{} certificates", tokens.size()),
             enroll_problem.empty() ? fmt::format("{} certificates", fleet.size()) : enroll_problem,
             fleet.size() == tokens.size());
  report.measure("enrollment, mean per device",
                 enroll_ms / static_cast<double>(std::max<std::size_t>(1, tokens.size())), "ms");
  if (fleet.empty()) return report;

  std::string connect_problem;
  const std::size_t connected = connect_fleet(settings, fleet, connect_problem);
  report.add("enrolled devices connect to the broker", fmt::format("{} admitted", fleet.size()),
             connect_problem.empty() ? fmt::format("{} admitted", connected) : connect_problem,
             connected == fleet.size());

  std::this_thread::sleep_for(settings.renew_after);
  std::size_t renewed_in_time = 0;
  std::string renew_problem;
  for (EnrolledDevice& device : fleet) {
    try {
      const bool before_expiry = unix_now() < device.current.not_after;
      EstCertificate next =
          client.reenroll(device.name, device.current, directory, device.name + "-renewed");
      if (before_expiry && next.serial != device.current.serial &&
          next.not_after >= device.current.not_after) {
        ++renewed_in_time;
      }
      device.current = std::move(next);
    } catch (const std::exception& error) {
      if (renew_problem.empty()) renew_problem = error.what();
    }
  }
  report.add("fleet renews before expiry (simplereenroll, mutual TLS, new keys)",
             fmt::format("{} renewed", fleet.size()),
             renew_problem.empty() ? fmt::format("{} renewed", renewed_in_time) : renew_problem,
             renewed_in_time == fleet.size());

  std::string reconnect_problem;
  const std::size_t reconnected = connect_fleet(settings, fleet, reconnect_problem);
  report.add(
      "renewed certificates connect to the broker", fmt::format("{} admitted", fleet.size()),
      reconnect_problem.empty() ? fmt::format("{} admitted", reconnected) : reconnect_problem,
      reconnected == fleet.size());
  return report;
}

}  // namespace certacl::sim
