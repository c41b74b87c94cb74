#include "certacl/topic.h"

namespace certacl {
namespace {

constexpr std::string_view kIdentityPlaceholder = "%u";
constexpr std::string_view kClientIdPlaceholder = "%c";

// Checks that the text is well-formed UTF-8 without NUL or C0/C1 control characters;
// MQTT forbids NUL and says topics should not carry control characters.
std::string_view text_problem(std::string_view text) noexcept {
  if (text.empty()) return "is empty";
  if (text.size() > kMaxTopicBytes) return "is longer than 65535 bytes";
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    if (lead == 0) return "contains a NUL byte";
    if (lead < 0x20 || lead == 0x7F) return "contains a control character";
    std::size_t length = 1;
    if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
    } else if (lead >= 0xE0) {
      length = lead <= 0xEF ? 3 : 0;
    } else if (lead >= 0xC2) {
      length = 2;
    } else if (lead >= 0x80) {
      length = 0;
    }
    if (length == 0 || i + length > text.size()) return "is not valid UTF-8";
    for (std::size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return "is not valid UTF-8";
    }
    if (length == 2 && lead == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0) {
      return "contains a control character";
    }
    i += length;
  }
  return {};
}

bool is_wildcard_level(std::string_view level) noexcept {
  return level == "+" || level == "#";
}

}  // namespace

std::string_view topic_name_problem(std::string_view topic) noexcept {
  if (auto problem = text_problem(topic); !problem.empty()) return problem;
  if (topic.find_first_of("+#") != std::string_view::npos) return "contains a wildcard";
  return {};
}

std::string_view topic_filter_problem(std::string_view filter) noexcept {
  if (auto problem = text_problem(filter); !problem.empty()) return problem;
  TopicLevels levels(filter);
  while (!levels.done()) {
    const std::string_view level = levels.next();
    if (level.find('#') != std::string_view::npos) {
      if (level != "#") return "has '#' inside a level ('#' must be a whole level)";
      if (!levels.done()) return "has '#' before the last level";
    }
    if (level.find('+') != std::string_view::npos && level != "+") {
      return "has '+' inside a level ('+' must be a whole level)";
    }
  }
  return {};
}

std::string_view topic_pattern_problem(std::string_view pattern) noexcept {
  if (auto problem = topic_filter_problem(pattern); !problem.empty()) return problem;
  TopicLevels levels(pattern);
  while (!levels.done()) {
    const std::string_view level = levels.next();
    if (level == kIdentityPlaceholder || level == kClientIdPlaceholder) continue;
    if (level.find(kIdentityPlaceholder) != std::string_view::npos ||
        level.find(kClientIdPlaceholder) != std::string_view::npos) {
      return "has %u or %c inside a level (a placeholder must be a whole level)";
    }
  }
  return {};
}

bool topic_matches_filter(std::string_view filter, std::string_view topic) noexcept {
  if (!topic.empty() && topic.front() == '$' && !filter.empty() &&
      (filter.front() == '+' || filter.front() == '#')) {
    return false;
  }
  TopicLevels filter_levels(filter);
  TopicLevels topic_levels(topic);
  while (!filter_levels.done()) {
    const std::string_view filter_level = filter_levels.next();
    if (filter_level == "#") return true;  // also matches the parent level ("a/#" matches "a")
    if (topic_levels.done()) return false;
    const std::string_view topic_level = topic_levels.next();
    if (filter_level != "+" && filter_level != topic_level) return false;
  }
  return topic_levels.done();
}

bool filter_contains(std::string_view outer, std::string_view inner) noexcept {
  // A first-level wildcard never reaches '$' topics, so only a literal '$' level can
  // contain another literal '$' level.
  if (!inner.empty() && inner.front() == '$' && !outer.empty() &&
      (outer.front() == '+' || outer.front() == '#')) {
    return false;
  }
  TopicLevels outer_levels(outer);
  TopicLevels inner_levels(inner);
  while (!outer_levels.done()) {
    const std::string_view outer_level = outer_levels.next();
    if (outer_level == "#") return true;
    if (inner_levels.done()) return false;
    const std::string_view inner_level = inner_levels.next();
    if (inner_level == "#") return false;  // inner reaches any depth, outer does not
    if (outer_level == "+") continue;
    if (is_wildcard_level(inner_level) || outer_level != inner_level) return false;
  }
  return inner_levels.done();
}

bool pattern_has_placeholder(std::string_view pattern) noexcept {
  TopicLevels levels(pattern);
  while (!levels.done()) {
    const std::string_view level = levels.next();
    if (level == kIdentityPlaceholder || level == kClientIdPlaceholder) return true;
  }
  return false;
}

std::string substitute_pattern(std::string_view pattern, std::string_view identity,
                               std::string_view client_id) {
  std::string result;
  result.reserve(pattern.size() + identity.size() + client_id.size());
  TopicLevels levels(pattern);
  bool first = true;
  while (!levels.done()) {
    const std::string_view level = levels.next();
    if (!first) result.push_back('/');
    first = false;
    if (level == kIdentityPlaceholder) {
      result.append(identity);
    } else if (level == kClientIdPlaceholder) {
      result.append(client_id);
    } else {
      result.append(level);
    }
  }
  return result;
}

}  // namespace certacl
