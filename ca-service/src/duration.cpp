#include "duration.h"

#include <fmt/format.h>

#include <charconv>

#include "ca_error.h"

namespace certacl::ca {

std::optional<std::int64_t> parse_duration_seconds(std::string_view text) noexcept {
  if (text.size() < 2) return std::nullopt;
  std::int64_t unit = 0;
  switch (text.back()) {
    case 's':
      unit = 1;
      break;
    case 'm':
      unit = 60;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'd':
      unit = 86400;
      break;
    default:
      return std::nullopt;
  }
  const std::string_view digits = text.substr(0, text.size() - 1);
  std::int64_t count = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), count);
  if (error != std::errc{} || end != digits.data() + digits.size() || count <= 0) {
    return std::nullopt;
  }
  constexpr std::int64_t kLimit = std::int64_t{1} << 40;  // far beyond any real duration
  if (count > kLimit / unit) return std::nullopt;
  return count * unit;
}

std::int64_t require_duration_seconds(std::string_view option, std::string_view text,
                                      std::int64_t min_seconds, std::int64_t max_seconds) {
  const auto seconds = parse_duration_seconds(text);
  if (!seconds) {
    throw CaError(ExitCode::kBadInput,
                  fmt::format("{} '{}' is not a duration (a number and s, m, h or d, e.g. 24h)",
                              option, text));
  }
  if (*seconds < min_seconds || *seconds > max_seconds) {
    throw CaError(ExitCode::kBadInput, fmt::format("{} '{}' is out of range ({}s..{}s)", option,
                                                   text, min_seconds, max_seconds));
  }
  return *seconds;
}

}  // namespace certacl::ca
