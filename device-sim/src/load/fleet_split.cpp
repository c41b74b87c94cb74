#include "load/fleet_split.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <stdexcept>

#include "engine/process_limits.h"

namespace certacl::sim {
namespace {

std::string number(double value) {
  return fmt::format("{}", value);
}

// Phases in the order a run goes through them.
constexpr std::array<const char*, 4> kPhaseOrder = {"connecting", "waiting", "publishing",
                                                    "closing"};

std::size_t phase_rank(const std::string& phase) {
  for (std::size_t i = 0; i < kPhaseOrder.size(); ++i) {
    if (phase == kPhaseOrder[i]) return i;
  }
  return 0;  // not started yet counts as connecting
}

}  // namespace

std::size_t choose_worker_count(std::size_t devices, std::size_t requested,
                                std::uint64_t descriptor_limit) {
  if (devices == 0) return 1;
  if (requested > 0) return std::min(requested, devices);
  const std::uint64_t needed = descriptors_needed(devices);
  if (needed <= descriptor_limit) return 1;
  // Largest fleet one process holds under the limit.
  const std::uint64_t per_process =
      descriptor_limit > descriptors_needed(0)
          ? (descriptor_limit - descriptors_needed(0)) / kDescriptorsPerDevice
          : 0;
  if (per_process == 0) return devices;  // one device per worker is the best that can be done
  return static_cast<std::size_t>((devices + per_process - 1) / per_process);
}

FleetSlice fleet_slice(std::size_t devices, std::size_t index, std::size_t count) {
  const std::size_t first = devices * index / count;
  const std::size_t end = devices * (index + 1) / count;
  return {first, end - first};
}

std::vector<std::string> worker_arguments(const LoadSettings& settings, std::size_t index,
                                          std::size_t count) {
  const double rate = settings.connect_rate / static_cast<double>(count);
  return {"load",
          "--host",
          settings.broker.host,
          "--port",
          std::to_string(settings.broker.port),
          "--cafile",
          settings.broker.cafile,
          "--ca-db",
          settings.ca_db,
          "--ca-bin",
          settings.ca_bin,
          "--workdir",
          settings.workdir,
          "--devices",
          std::to_string(settings.devices),
          "--connect-rate",
          number(rate),
          "--publish-rate",
          number(settings.publish_rate),
          "--payload-bytes",
          std::to_string(settings.payload_bytes),
          "--duration",
          std::to_string(settings.duration.count()),
          "--qos",
          std::to_string(settings.qos),
          "--name-prefix",
          settings.name_prefix,
          "--worker-slice",
          fmt::format("{}/{}", index, count)};
}

std::pair<std::size_t, std::size_t> parse_worker_slice(const std::string& text) {
  std::size_t index = 0;
  std::size_t count = 0;
  const char* end = text.data() + text.size();
  const auto first = std::from_chars(text.data(), end, index);
  bool ok = first.ec == std::errc() && first.ptr != end && *first.ptr == '/';
  if (ok) {
    const auto second = std::from_chars(first.ptr + 1, end, count);
    ok = second.ec == std::errc() && second.ptr == end && count > 0 && index < count;
  }
  if (!ok) {
    throw std::invalid_argument(fmt::format("--worker-slice '{}': expected I/N with I < N", text));
  }
  return {index, count};
}

nlohmann::json load_result_to_wire(const LoadResult& r) {
  return {{"devices", r.devices},
          {"connected", r.connected},
          {"refused", r.refused},
          {"connection_errors", r.connection_errors},
          {"dropped", r.dropped},
          {"never_answered", r.never_answered},
          {"subscribe_refused", r.subscribe_refused},
          {"connect_seconds", r.connect_seconds},
          {"sent", r.sent},
          {"delivered", r.delivered},
          {"publish_seconds", r.publish_seconds},
          {"histogram", r.histogram.to_json()},
          {"first_error", r.first_error}};
}

LoadResult load_result_from_wire(const nlohmann::json& json) {
  LoadResult r;
  try {
    r.devices = json.at("devices").get<std::size_t>();
    r.connected = json.at("connected").get<std::size_t>();
    r.refused = json.at("refused").get<std::size_t>();
    r.connection_errors = json.at("connection_errors").get<std::size_t>();
    r.dropped = json.at("dropped").get<std::size_t>();
    r.never_answered = json.at("never_answered").get<std::size_t>();
    r.subscribe_refused = json.at("subscribe_refused").get<std::size_t>();
    r.connect_seconds = json.at("connect_seconds").get<double>();
    r.sent = json.at("sent").get<std::uint64_t>();
    r.delivered = json.at("delivered").get<std::uint64_t>();
    r.publish_seconds = json.at("publish_seconds").get<double>();
    r.first_error = json.at("first_error").get<std::string>();
  } catch (const nlohmann::json::exception& error) {
    throw std::invalid_argument(std::string("malformed worker result: ") + error.what());
  }
  r.histogram = LatencyHistogram::from_json(json.at("histogram"));
  r.latency = r.histogram.summary();
  if (r.connect_seconds > 0) {
    r.connections_per_second = static_cast<double>(r.connected) / r.connect_seconds;
  }
  if (r.publish_seconds > 0) {
    r.messages_per_second = static_cast<double>(r.delivered) / r.publish_seconds;
  }
  return r;
}

nlohmann::json load_progress_to_wire(const LoadProgress& p) {
  return {{"elapsed_s", p.elapsed_s},
          {"phase", p.phase},
          {"devices", p.devices},
          {"connected_now", p.connected_now},
          {"pending", p.pending},
          {"failed", p.failed},
          {"sent", p.sent},
          {"delivered", p.delivered},
          {"histogram", p.latency ? p.latency->to_json() : LatencyHistogram().to_json()}};
}

LoadProgress load_progress_from_wire(const nlohmann::json& json, LatencyHistogram& latency) {
  LoadProgress p;
  try {
    p.elapsed_s = json.at("elapsed_s").get<double>();
    p.phase = json.at("phase").get<std::string>();
    p.devices = json.at("devices").get<std::size_t>();
    p.connected_now = json.at("connected_now").get<std::size_t>();
    p.pending = json.at("pending").get<std::size_t>();
    p.failed = json.at("failed").get<std::size_t>();
    p.sent = json.at("sent").get<std::uint64_t>();
    p.delivered = json.at("delivered").get<std::uint64_t>();
  } catch (const nlohmann::json::exception& error) {
    throw std::invalid_argument(std::string("malformed worker progress: ") + error.what());
  }
  latency = LatencyHistogram::from_json(json.at("histogram"));
  p.latency = &latency;
  return p;
}

LoadResult merge_load_results(const std::vector<LoadResult>& results) {
  LoadResult merged;
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    merged.devices += r.devices;
    merged.connected += r.connected;
    merged.refused += r.refused;
    merged.connection_errors += r.connection_errors;
    merged.dropped += r.dropped;
    merged.never_answered += r.never_answered;
    merged.subscribe_refused += r.subscribe_refused;
    merged.sent += r.sent;
    merged.delivered += r.delivered;
    merged.connect_seconds = std::max(merged.connect_seconds, r.connect_seconds);
    merged.publish_seconds = std::max(merged.publish_seconds, r.publish_seconds);
    merged.histogram.merge(r.histogram);
    if (merged.first_error.empty() && !r.first_error.empty()) {
      merged.first_error = fmt::format("worker {}: {}", i, r.first_error);
    }
  }
  if (merged.connect_seconds > 0) {
    merged.connections_per_second = static_cast<double>(merged.connected) / merged.connect_seconds;
  }
  if (merged.publish_seconds > 0) {
    merged.messages_per_second = static_cast<double>(merged.delivered) / merged.publish_seconds;
  }
  merged.latency = merged.histogram.summary();
  return merged;
}

LoadProgress merge_progress(const std::vector<LoadProgress>& parts,
                            const LatencyHistogram& merged_latency, double elapsed_s) {
  LoadProgress merged;
  merged.elapsed_s = elapsed_s;
  std::size_t earliest = kPhaseOrder.size() - 1;
  for (const auto& part : parts) {
    merged.devices += part.devices;
    merged.connected_now += part.connected_now;
    merged.pending += part.pending;
    merged.failed += part.failed;
    merged.sent += part.sent;
    merged.delivered += part.delivered;
    earliest = std::min(earliest, phase_rank(part.phase));
  }
  merged.phase = kPhaseOrder[earliest];
  merged.latency = &merged_latency;
  return merged;
}

}  // namespace certacl::sim
