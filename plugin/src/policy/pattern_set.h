#pragma once
// A set of compiled topic patterns that answers "does any of them match this topic" and
// "does any of them contain this filter" without allocating. The patterns are merged into
// one tree of levels, so a check walks the topic once instead of testing every pattern:
// its cost follows the topic's depth, not the number of rules.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "certacl/topic.h"
#include "text_lookup.h"

namespace certacl::policy {

class PatternSet {
 public:
  PatternSet();
  // `pattern` must be a valid topic filter (no placeholders left).
  void add(std::string pattern);

  [[nodiscard]] bool any_matches_topic(std::string_view topic) const noexcept;
  [[nodiscard]] bool any_contains_filter(std::string_view filter) const noexcept;
  [[nodiscard]] std::size_t size() const noexcept { return patterns_.size(); }
  [[nodiscard]] bool empty() const noexcept { return patterns_.empty(); }
  [[nodiscard]] const std::vector<std::string>& patterns() const noexcept { return patterns_; }

 private:
  static constexpr std::uint32_t kNone = UINT32_MAX;
  // Few children are scanned; beyond this many a hash index is kept as well.
  static constexpr std::size_t kIndexThreshold = 16;

  struct Node {
    std::vector<std::pair<std::string, std::uint32_t>> literals;
    TextMap<std::uint32_t> literal_index;
    std::uint32_t plus = kNone;
    bool hash = false;      // a pattern continues here with "#"
    bool terminal = false;  // a pattern ends here
  };

  [[nodiscard]] std::uint32_t literal_child(const Node& node,
                                            std::string_view level) const noexcept;
  std::uint32_t add_literal_child(std::uint32_t parent, std::string_view level);
  // Walks '/'-separated levels with a plain loop: topic levels are short, and a libc
  // memchr call per level cost more than the tree walk itself.
  struct Cursor {
    const char* next;
    const char* end;
    bool done;
    std::string_view take() noexcept {
      const char* start = next;
      while (next != end && *next != '/') ++next;
      const std::string_view level(start, static_cast<std::size_t>(next - start));
      if (next == end) {
        done = true;
      } else {
        ++next;
      }
      return level;
    }
  };

  [[nodiscard]] bool matches(std::uint32_t node, Cursor levels, bool dollar_root) const noexcept;
  [[nodiscard]] bool contains(std::uint32_t node, Cursor levels, bool dollar_root) const noexcept;

  std::vector<Node> nodes_;  // nodes_[0] is the root
  std::vector<std::string> patterns_;
};

}  // namespace certacl::policy
