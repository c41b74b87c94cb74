#pragma once
// A set of compiled topic patterns that answers "does any of them match this topic" and
// "does any of them contain this filter" without allocating. The patterns are merged into
// one tree of levels, so a check walks the topic once instead of testing every pattern:
// its cost follows the topic's depth, not the number of rules.
//
// A whole level %u or %c can stay a placeholder edge of the tree, filled at check time with
// the identity and client id passed in: one tree then serves every session of a role, as
// if each had its own tree with the values substituted.
//
// Each pattern carries tags (allow, deny), so one walk answers for the allow and the deny
// rules of an action together and can stop as soon as a deciding tag is found.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "certacl/topic.h"
#include "text_lookup.h"

namespace certacl::policy {

// What a placeholder edge stands for during one check. An empty value matches nothing.
struct PlaceholderValues {
  std::string_view identity;   // a whole level %u
  std::string_view client_id;  // a whole level %c
};

// Bits a pattern is tagged with; a check returns the union of the tags that matched.
using PatternTags = std::uint8_t;
inline constexpr PatternTags kAllowTag = 1;
inline constexpr PatternTags kDenyTag = 2;
inline constexpr PatternTags kAnyTag = 0xFF;

class PatternSet {
 public:
  PatternSet();
  // `pattern` must be a valid topic filter; every level is taken literally ("%u" too).
  void add(std::string pattern, PatternTags tags = kAllowTag);
  // The same, but whole levels %u and %c become placeholder edges.
  void add_with_placeholders(std::string pattern, PatternTags tags = kAllowTag);

  // Tags of the patterns that match `topic` (or contain `filter`). The walk stops as soon
  // as a tag in `enough` has been found, so only those tags are then certain to be complete.
  [[nodiscard]] PatternTags tags_matching_topic(std::string_view topic,
                                                const PlaceholderValues& values,
                                                PatternTags enough) const noexcept;
  [[nodiscard]] PatternTags tags_containing_filter(std::string_view filter,
                                                   const PlaceholderValues& values,
                                                   PatternTags enough) const noexcept;
  [[nodiscard]] bool any_matches_topic(std::string_view topic,
                                       const PlaceholderValues& values = {}) const noexcept {
    return tags_matching_topic(topic, values, kAnyTag) != 0;
  }
  [[nodiscard]] bool any_contains_filter(std::string_view filter,
                                         const PlaceholderValues& values = {}) const noexcept {
    return tags_containing_filter(filter, values, kAnyTag) != 0;
  }
  // The union of every pattern's tags.
  [[nodiscard]] PatternTags tags() const noexcept { return tags_; }
  [[nodiscard]] std::size_t size() const noexcept { return patterns_.size(); }
  [[nodiscard]] bool empty() const noexcept { return patterns_.empty(); }
  [[nodiscard]] const std::vector<std::string>& patterns() const noexcept { return patterns_; }

 private:
  static constexpr std::uint32_t kNone = UINT32_MAX;
  // Few children are scanned; beyond this many a hash index is kept as well.
  static constexpr std::size_t kIndexThreshold = 16;

  // Kept small (the rare index lives behind a pointer) so that a walk touches few lines.
  struct Node {
    std::vector<std::pair<std::string, std::uint32_t>> literals;
    std::unique_ptr<TextMap<std::uint32_t>> literal_index;
    std::uint32_t plus = kNone;
    std::uint32_t identity = kNone;   // placeholder edge %u
    std::uint32_t client_id = kNone;  // placeholder edge %c
    PatternTags hash = 0;             // tags of patterns that continue here with "#"
    PatternTags terminal = 0;         // tags of patterns that end here
  };

  void insert(std::string pattern, PatternTags tags, bool placeholders);
  [[nodiscard]] std::uint32_t literal_child(const Node& node,
                                            std::string_view level) const noexcept;
  std::uint32_t add_literal_child(std::uint32_t parent, std::string_view level);
  std::uint32_t add_edge(std::uint32_t Node::*edge, std::uint32_t parent);
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

  struct Walk {
    const PlaceholderValues& values;
    PatternTags enough;
  };
  [[nodiscard]] PatternTags matches(std::uint32_t node, Cursor levels, bool dollar_root,
                                    const Walk& walk) const noexcept;
  [[nodiscard]] PatternTags contains(std::uint32_t node, Cursor levels, bool dollar_root,
                                     const Walk& walk) const noexcept;

  std::vector<Node> nodes_;  // nodes_[0] is the root
  std::vector<std::string> patterns_;
  PatternTags tags_ = 0;
};

}  // namespace certacl::policy
