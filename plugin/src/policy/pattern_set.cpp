#include "pattern_set.h"

#include "certacl/topic.h"

namespace certacl::policy {
namespace {

std::string_view first_level(std::string_view text) noexcept {
  return text.substr(0, text.find('/'));
}

bool is_wildcard(std::string_view level) noexcept {
  return level == "+" || level == "#";
}

}  // namespace

void PatternSet::add(std::string pattern) {
  const auto index = static_cast<std::uint32_t>(patterns_.size());
  const std::string_view level = first_level(pattern);
  if (is_wildcard(level)) {
    wildcard_first_.push_back(index);
  } else {
    by_first_level_[std::string(level)].push_back(index);
  }
  patterns_.push_back(std::move(pattern));
}

bool PatternSet::any_matches_topic(std::string_view topic) const noexcept {
  if (patterns_.empty()) return false;
  const auto bucket = by_first_level_.find(first_level(topic));
  if (bucket != by_first_level_.end()) {
    for (const std::uint32_t index : bucket->second) {
      if (topic_matches_filter(patterns_[index], topic)) return true;
    }
  }
  for (const std::uint32_t index : wildcard_first_) {
    if (topic_matches_filter(patterns_[index], topic)) return true;
  }
  return false;
}

bool PatternSet::any_contains_filter(std::string_view filter) const noexcept {
  if (patterns_.empty()) return false;
  // A filter that starts with a wildcard can only be contained by a pattern that does too.
  const std::string_view level = first_level(filter);
  if (!is_wildcard(level)) {
    const auto bucket = by_first_level_.find(level);
    if (bucket != by_first_level_.end()) {
      for (const std::uint32_t index : bucket->second) {
        if (filter_contains(patterns_[index], filter)) return true;
      }
    }
  }
  for (const std::uint32_t index : wildcard_first_) {
    if (filter_contains(patterns_[index], filter)) return true;
  }
  return false;
}

}  // namespace certacl::policy
