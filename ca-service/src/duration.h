#pragma once
// Durations on the command line ("90s", "15m", "24h", "30d"), as whole seconds.

#include <cstdint>
#include <optional>
#include <string_view>

namespace certacl::ca {

// A positive number followed by one unit s, m, h or d. Nothing else (no sign, no
// fraction, no bare number), so "24" is not silently read as seconds or hours.
[[nodiscard]] std::optional<std::int64_t> parse_duration_seconds(std::string_view text) noexcept;

// Same, throwing CaError(kBadInput) naming the option when the text is not a duration or
// lies outside [min_seconds, max_seconds].
[[nodiscard]] std::int64_t require_duration_seconds(std::string_view option, std::string_view text,
                                                    std::int64_t min_seconds,
                                                    std::int64_t max_seconds);

}  // namespace certacl::ca
