#pragma once
// A set of compiled topic patterns that answers "does any of them match this topic" and
// "does any of them contain this filter" without allocating. Patterns are indexed by their
// first level, so a client with many rules only scans the ones that can apply.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "text_lookup.h"

namespace certacl::policy {

class PatternSet {
 public:
  // `pattern` must be a valid topic filter (no placeholders left).
  void add(std::string pattern);

  [[nodiscard]] bool any_matches_topic(std::string_view topic) const noexcept;
  [[nodiscard]] bool any_contains_filter(std::string_view filter) const noexcept;
  [[nodiscard]] std::size_t size() const noexcept { return patterns_.size(); }
  [[nodiscard]] bool empty() const noexcept { return patterns_.empty(); }
  [[nodiscard]] const std::vector<std::string>& patterns() const noexcept { return patterns_; }

 private:
  std::vector<std::string> patterns_;
  TextMap<std::vector<std::uint32_t>> by_first_level_;
  std::vector<std::uint32_t> wildcard_first_;
};

}  // namespace certacl::policy
