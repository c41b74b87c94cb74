#pragma once
// Load mode: N devices, each with its own key and certificate, connected at a set rate
// over one event loop; each subscribes to its own echo topic and publishes stamped
// telemetry to it, so every message is timed end to end through the broker.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>

#include "engine/latency_recorder.h"
#include "engine/simulated_device.h"

namespace certacl::sim {

struct LoadSettings {
  BrokerEndpoint broker;
  std::string ca_db;
  std::string ca_bin = "certacl-ca";
  std::string workdir;
  std::size_t devices = 100;
  double connect_rate = 100;  // new connections per second; 0 = as fast as possible
  double publish_rate = 1;    // messages per second per device
  std::size_t payload_bytes = 64;
  std::chrono::seconds duration{10};
  int qos = 1;
  std::size_t max_pending_connects = 256;  // TLS handshakes in flight at once
  std::chrono::milliseconds drain_limit{3000};
  std::string name_prefix = "load-";
  bool progress = true;
};

struct LoadResult {
  std::size_t devices = 0;
  std::size_t connected = 0;
  std::size_t refused = 0;
  std::size_t connection_errors = 0;
  std::size_t dropped = 0;
  std::size_t never_answered = 0;
  std::size_t subscribe_refused = 0;
  double connect_seconds = 0;
  double connections_per_second = 0;
  std::uint64_t sent = 0;
  std::uint64_t delivered = 0;
  double publish_seconds = 0;
  double messages_per_second = 0;
  LatencySummary latency;
  std::string first_error;

  // No failed or dropped connection, and every message delivered (QoS > 0) or at least
  // some delivered (QoS 0, where the broker may drop under pressure).
  [[nodiscard]] bool healthy(int qos) const noexcept;
};

// Provisions what is missing (role sim-load, devices, certificates under workdir), then
// runs. Progress lines go to `progress` once a second.
LoadResult run_load(const LoadSettings& settings, std::ostream& progress);

[[nodiscard]] std::string describe_load(const LoadSettings& settings, const LoadResult& result);
[[nodiscard]] nlohmann::json load_to_json(const LoadSettings& settings, const LoadResult& result);

}  // namespace certacl::sim
