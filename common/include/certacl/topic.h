#pragma once
// MQTT topic names, topic filters and certacl's ACL patterns (filters in which a whole
// level may be the placeholder %u, the device identity, or %c, the client id).
// The matching functions assume their inputs passed validation; they never allocate.

#include <cstddef>
#include <string>
#include <string_view>

namespace certacl {

inline constexpr std::size_t kMaxTopicBytes = 65535;

// Each returns why the text is not acceptable, or an empty view when it is.
[[nodiscard]] std::string_view topic_name_problem(std::string_view topic) noexcept;
[[nodiscard]] std::string_view topic_filter_problem(std::string_view filter) noexcept;
[[nodiscard]] std::string_view topic_pattern_problem(std::string_view pattern) noexcept;

// MQTT 3.1.1/5 matching, including the rule that a wildcard in the first level never
// matches a topic that starts with '$'.
[[nodiscard]] bool topic_matches_filter(std::string_view filter, std::string_view topic) noexcept;

// True when every topic that `inner` matches is also matched by `outer`.
// This decides SUBSCRIBE: a client may subscribe to a filter only if one allowed pattern
// contains it, so "factory/dev1/#" never admits "#" or "factory/+/#".
[[nodiscard]] bool filter_contains(std::string_view outer, std::string_view inner) noexcept;

// True when the pattern has a %u or %c level (and so must be compiled per client).
[[nodiscard]] bool pattern_has_placeholder(std::string_view pattern) noexcept;

// Replaces whole %u / %c levels. `identity` and `client_id` must already satisfy
// device_name_problem / client_id_problem, so the result is a valid filter.
[[nodiscard]] std::string substitute_pattern(std::string_view pattern, std::string_view identity,
                                             std::string_view client_id);

// Walks the '/'-separated levels of a topic or filter without allocating.
class TopicLevels {
 public:
  explicit TopicLevels(std::string_view text) noexcept : text_(text) {}
  [[nodiscard]] bool done() const noexcept { return done_; }
  std::string_view next() noexcept {
    const std::size_t slash = text_.find('/', position_);
    if (slash == std::string_view::npos) {
      done_ = true;
      return text_.substr(position_);
    }
    const std::string_view level = text_.substr(position_, slash - position_);
    position_ = slash + 1;
    return level;
  }

 private:
  std::string_view text_;
  std::size_t position_ = 0;
  bool done_ = false;
};

}  // namespace certacl
