#include "engine/telemetry_payload.h"

#include <charconv>

namespace certacl::sim {
namespace {

constexpr std::string_view kSequenceKey = "seq=";
constexpr std::string_view kSentKey = " sent_ns=";

template <typename Integer>
std::optional<Integer> take_number(std::string_view& text) noexcept {
  Integer value{};
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end == text.data()) return std::nullopt;
  text.remove_prefix(static_cast<std::size_t>(end - text.data()));
  return value;
}

bool take_literal(std::string_view& text, std::string_view literal) noexcept {
  if (!text.starts_with(literal)) return false;
  text.remove_prefix(literal.size());
  return true;
}

}  // namespace

std::string encode_telemetry(const TelemetryStamp& stamp, std::size_t payload_bytes) {
  std::string payload;
  payload.reserve(payload_bytes > 48 ? payload_bytes : 48);
  payload.append(kSequenceKey);
  payload.append(std::to_string(stamp.sequence));
  payload.append(kSentKey);
  payload.append(std::to_string(stamp.sent_ns));
  payload.push_back(';');
  if (payload.size() < payload_bytes) payload.append(payload_bytes - payload.size(), '.');
  return payload;
}

std::optional<TelemetryStamp> decode_telemetry(std::string_view payload) noexcept {
  TelemetryStamp stamp;
  if (!take_literal(payload, kSequenceKey)) return std::nullopt;
  const auto sequence = take_number<std::uint64_t>(payload);
  if (!sequence || !take_literal(payload, kSentKey)) return std::nullopt;
  const auto sent = take_number<std::int64_t>(payload);
  if (!sent || !take_literal(payload, ";")) return std::nullopt;
  stamp.sequence = *sequence;
  stamp.sent_ns = *sent;
  return stamp;
}

}  // namespace certacl::sim
