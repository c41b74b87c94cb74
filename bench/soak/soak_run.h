#pragma once
// The soak: a fleet publishing and subscribing for a long time while an operator keeps
// changing the registry under it (revocations followed by re-enrollment with a new CSR,
// disable/enable, rule changes) and devices drop and come back at random. Two monitor
// devices that never churn subscribe to everything; every message is judged against the
// rules in force when it was sent (soak_ledger.h). Broker RSS and the plugin's $SYS
// counters are sampled into a CSV.

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "engine/simulated_device.h"
#include "soak_ledger.h"

namespace certacl::soak {

struct SoakSettings {
  sim::BrokerEndpoint broker;
  std::string ca_db;
  std::string ca_bin = "certacl-ca";
  std::string workdir;
  std::size_t devices = 500;
  std::chrono::seconds duration{180};
  double connect_rate = 200;     // devices per second during the ramp
  double publish_period_s = 2;   // each device publishes once per period
  double churn_period_s = 5;     // one revocation, one disable/enable, one rule change
  double disconnects_per_s = 1;  // random clean disconnects, back after 0.5-3 s
  double sample_period_s = 5;
  double warmup_s = 60;          // RSS and counters judged flat after this
  double flat_tolerance = 0.05;  // late mean at most 5 % above early mean
  double drop_target_s = 1;      // a revoked or disabled device gone within this
  double adoption_s = 1;         // a committed change is in force after this
  int broker_pid = 0;            // for RSS; 0 = not sampled
  std::string csv_path;
};

struct SoakSample {
  double elapsed_s = 0;
  long rss_kb = 0;
  long sessions = 0;
  std::size_t connected = 0;
  long connect_allowed = 0;
  long connect_denied = 0;
  long publish_denied = 0;
  long kicks = 0;
  long registry_certificates = 0;
  long change_counter = 0;
  std::uint64_t published = 0;
  std::uint64_t deliveries = 0;
};

struct SoakReport {
  double ramp_s = 0;  // connecting the fleet, before the soak proper
  LedgerTotals messages;
  std::size_t revocations = 0;
  std::size_t reenrollments = 0;
  std::size_t disables = 0;
  std::size_t rule_changes = 0;
  std::size_t random_disconnects = 0;
  std::size_t drops_measured = 0;
  std::size_t drops_missed = 0;  // still connected 5 s after the order
  std::size_t drops_over_target = 0;
  double drop_p50_ms = 0;
  double drop_p99_ms = 0;
  double drop_max_ms = 0;
  std::size_t refusals_expected = 0;  // revoked/disabled reconnects refused
  std::size_t admitted_wrongly = 0;   // revoked/disabled reconnects admitted
  std::size_t unexpected_drops = 0;   // a device dropped that nobody ordered dropped
  std::size_t failed_admissions = 0;  // a device that should connect could not in 10 s
  std::size_t operator_failures = 0;  // a certacl-ca command failed
  std::vector<std::string> problems;  // first few, described
  std::vector<SoakSample> samples;
  FlatnessVerdict rss;
  FlatnessVerdict sessions;
  [[nodiscard]] bool passed() const;
};

SoakReport run_soak(const SoakSettings& settings, std::ostream& progress);

[[nodiscard]] std::string describe_soak(const SoakSettings& settings, const SoakReport& report);

}  // namespace certacl::soak
