#include <fmt/format.h>

#include "load/load_run.h"

namespace certacl::sim {

bool LoadResult::healthy(int qos) const noexcept {
  const bool connections_ok = connected == devices && refused == 0 && connection_errors == 0 &&
                              dropped == 0 && never_answered == 0 && subscribe_refused == 0;
  const bool delivery_ok = qos > 0 ? (sent > 0 && delivered == sent) : delivered > 0;
  return connections_ok && delivery_ok;
}

std::string describe_load(const LoadSettings& settings, const LoadResult& r) {
  std::string out = fmt::format(
      "== load: {} devices, connect rate {}/s, publish rate {}/s per device, payload {} B, QoS {}, "
      "{} s ==\n",
      settings.devices, settings.connect_rate, settings.publish_rate, settings.payload_bytes,
      settings.qos, settings.duration.count());
  out += fmt::format(
      "connections: {}/{} connected, {} refused, {} errors, {} dropped, {} unanswered; "
      "{:.1f} connections/s ({:.2f} s)\n",
      r.connected, r.devices, r.refused, r.connection_errors, r.dropped, r.never_answered,
      r.connections_per_second, r.connect_seconds);
  const double percent =
      r.sent == 0 ? 0.0 : 100.0 * static_cast<double>(r.delivered) / static_cast<double>(r.sent);
  out += fmt::format(
      "messages:    sent {}, delivered {} ({:.2f}%), {:.1f} messages/s end to end over {:.2f} s\n",
      r.sent, r.delivered, percent, r.messages_per_second, r.publish_seconds);
  out += fmt::format(
      "latency:     p50 {:.2f} ms, p90 {:.2f} ms, p99 {:.2f} ms, max {:.2f} ms, mean {:.2f} ms "
      "({} samples)\n",
      r.latency.p50_ms, r.latency.p90_ms, r.latency.p99_ms, r.latency.max_ms, r.latency.mean_ms,
      r.latency.count);
  if (!r.first_error.empty()) out += fmt::format("first error: {}\n", r.first_error);
  out += fmt::format("load: {}\n", r.healthy(settings.qos) ? "PASS" : "FAIL");
  return out;
}

nlohmann::json load_to_json(const LoadSettings& settings, const LoadResult& r) {
  return {{"devices", r.devices},
          {"connect_rate", settings.connect_rate},
          {"publish_rate_per_device", settings.publish_rate},
          {"payload_bytes", settings.payload_bytes},
          {"qos", settings.qos},
          {"duration_s", settings.duration.count()},
          {"connected", r.connected},
          {"refused", r.refused},
          {"connection_errors", r.connection_errors},
          {"dropped", r.dropped},
          {"never_answered", r.never_answered},
          {"subscribe_refused", r.subscribe_refused},
          {"connections_per_second", r.connections_per_second},
          {"sent", r.sent},
          {"delivered", r.delivered},
          {"messages_per_second", r.messages_per_second},
          {"latency_ms",
           {{"p50", r.latency.p50_ms},
            {"p90", r.latency.p90_ms},
            {"p99", r.latency.p99_ms},
            {"max", r.latency.max_ms},
            {"mean", r.latency.mean_ms},
            {"samples", r.latency.count}}},
          {"first_error", r.first_error},
          {"passed", r.healthy(settings.qos)}};
}

}  // namespace certacl::sim
