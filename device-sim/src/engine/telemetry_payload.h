#pragma once
// Telemetry payloads carry their own send stamp, so the receiving side (in the same
// process) measures end-to-end latency without any shared state.
//
//   "seq=<decimal> sent_ns=<decimal>;" followed by '.' padding up to the requested size.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace certacl::sim {

struct TelemetryStamp {
  std::uint64_t sequence = 0;
  std::int64_t sent_ns = 0;
};

// The payload is never shorter than its header, whatever `payload_bytes` asks for.
[[nodiscard]] std::string encode_telemetry(const TelemetryStamp& stamp, std::size_t payload_bytes);

// nullopt for anything that is not a well-formed stamp (a foreign or truncated message).
[[nodiscard]] std::optional<TelemetryStamp> decode_telemetry(std::string_view payload) noexcept;

}  // namespace certacl::sim
