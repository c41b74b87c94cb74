#pragma once
// Load mode: N devices, each with its own key and certificate, connected at a set rate
// over one event loop; each subscribes to its own echo topic and publishes stamped
// telemetry to it, so every message is timed end to end through the broker.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/simulated_device.h"
#include "load/latency_histogram.h"

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
  // Worker processes the fleet is split across (fork/exec of certacl-sim itself); 0 picks
  // as many as the open-file limit needs (one when the fleet fits in this process).
  std::size_t workers = 0;
};

// The part of the fleet one process drives: devices [first, first + count).
struct FleetSlice {
  std::size_t first = 0;
  std::size_t count = 0;
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
  LatencySummary latency;  // from `histogram`
  LatencyHistogram histogram;
  std::string first_error;

  // No failed or dropped connection, and every message delivered (QoS > 0) or at least
  // some delivered (QoS 0, where the broker may drop under pressure).
  [[nodiscard]] bool healthy(int qos) const noexcept;
};

// What the run shows once a second while it runs.
struct LoadProgress {
  double elapsed_s = 0;
  std::string phase;
  std::size_t devices = 0;
  std::size_t connected_now = 0;  // connected and not dropped since
  std::size_t pending = 0;
  std::size_t failed = 0;
  std::uint64_t sent = 0;
  std::uint64_t delivered = 0;
  const LatencyHistogram* latency = nullptr;
};

// How a run talks to whoever started it: the one-process run prints progress lines; a
// worker reports to its parent and waits for the whole fleet before publishing.
struct LoadHooks {
  std::function<void(const LoadProgress&)> progress;  // once a second, and at the end
  // Polled after the connect ramp until true (the publish phase starts then). Empty: at once.
  std::function<bool()> may_publish;
};

// The fleet's device names and credentials, in order (<workdir>/devices/<name>.{crt,key}).
[[nodiscard]] std::string load_device_name(const LoadSettings& settings, std::size_t index);
[[nodiscard]] DeviceCredentials load_device_credentials(const LoadSettings& settings,
                                                        std::size_t index);

// Provisions what is missing (role sim-load, devices, certificates under workdir) through
// certacl-ca; progress every 500 devices.
void provision_load_fleet(const LoadSettings& settings, std::ostream& progress);

// Drives `slice` of an already provisioned fleet in this process.
LoadResult run_load_slice(const LoadSettings& settings, FleetSlice slice, const LoadHooks& hooks);

// The whole load command: provisions, then runs the fleet in this process or across
// worker processes (load_workers.h), one merged result. Progress lines go to `progress`.
LoadResult run_load(const LoadSettings& settings, std::ostream& progress);

// The progress line the run prints once a second.
[[nodiscard]] std::string describe_progress(const LoadProgress& progress);

[[nodiscard]] std::string describe_load(const LoadSettings& settings, const LoadResult& result);
[[nodiscard]] nlohmann::json load_to_json(const LoadSettings& settings, const LoadResult& result);

}  // namespace certacl::sim
