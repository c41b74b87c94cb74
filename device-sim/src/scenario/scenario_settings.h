#pragma once
// What every scenario needs to know: where the broker and the CA are, and where to keep
// the keys and certificates it provisions.

#include <chrono>
#include <string>

#include "engine/simulated_device.h"
#include "est/est_client.h"
#include "scenario/scenario_report.h"

namespace certacl::sim {

struct ScenarioSettings {
  BrokerEndpoint broker;
  std::string ca_db;
  std::string ca_bin = "certacl-ca";
  std::string workdir;
  int qos = 1;
  int messages = 5;                 // readings each seed device publishes
  double readings_per_second = 20;  // the rate at which it publishes them
  // Upper bound for any single wait (a connect, a delivery); scenarios finish much sooner
  // when everything behaves.
  std::chrono::milliseconds wait_limit{5000};
  // How long "nothing arrives" is watched after an in-order marker has arrived.
  std::chrono::milliseconds quiet_period{300};
  // revoke-live: how fast the broker must drop a revoked device.
  std::chrono::milliseconds drop_limit{3000};
  // enroll: the EST server (certacl-ca serve), fleet size, and how long the fleet keeps
  // its first certificates before renewing them.
  EstEndpoint est{"127.0.0.1", 0, {}};
  int enroll_fleet = 4;
  std::chrono::seconds renew_after{0};
  // multi-broker: a second broker on the same registry, same host and CA (0: none).
  int second_broker_port = 0;
};

ScenarioReport run_seeds(const ScenarioSettings& settings);
ScenarioReport run_attacks(const ScenarioSettings& settings);
ScenarioReport run_revoke_live(const ScenarioSettings& settings);
ScenarioReport run_enroll(const ScenarioSettings& settings);
ScenarioReport run_multi_broker(const ScenarioSettings& settings);

}  // namespace certacl::sim
