#include "pattern_set.h"

namespace certacl::policy {
namespace {

constexpr std::string_view kIdentityPlaceholder = "%u";
constexpr std::string_view kClientIdPlaceholder = "%c";

bool starts_with_dollar(std::string_view text) noexcept {
  return !text.empty() && text.front() == '$';
}

// Levels are short: comparing them inline beats a call to memcmp per level.
bool same_level(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

// A placeholder edge is taken when the level is exactly the value it stands for.
bool fills(std::string_view value, std::string_view level) noexcept {
  return !value.empty() && same_level(value, level);
}

}  // namespace

PatternSet::PatternSet() : nodes_(1) {}

std::uint32_t PatternSet::literal_child(const Node& node, std::string_view level) const noexcept {
  if (node.literal_index) {
    const auto found = node.literal_index->find(level);
    return found == node.literal_index->end() ? kNone : found->second;
  }
  for (const auto& [text, child] : node.literals) {
    if (same_level(text, level)) return child;
  }
  return kNone;
}

std::uint32_t PatternSet::add_literal_child(std::uint32_t parent, std::string_view level) {
  const std::uint32_t existing = literal_child(nodes_[parent], level);
  if (existing != kNone) return existing;
  const auto child = static_cast<std::uint32_t>(nodes_.size());
  nodes_.emplace_back();  // may move nodes_: index, never hold references across this
  Node& node = nodes_[parent];
  node.literals.emplace_back(std::string(level), child);
  if (node.literal_index) {
    node.literal_index->emplace(std::string(level), child);
  } else if (node.literals.size() > kIndexThreshold) {
    node.literal_index = std::make_unique<TextMap<std::uint32_t>>();
    for (const auto& [text, index] : node.literals) node.literal_index->emplace(text, index);
  }
  return child;
}

std::uint32_t PatternSet::add_edge(std::uint32_t Node::*edge, std::uint32_t parent) {
  if (nodes_[parent].*edge == kNone) {
    const auto child = static_cast<std::uint32_t>(nodes_.size());
    nodes_.emplace_back();
    nodes_[parent].*edge = child;
  }
  return nodes_[parent].*edge;
}

void PatternSet::add(std::string pattern, PatternTags tags) {
  insert(std::move(pattern), tags, false);
}

void PatternSet::add_with_placeholders(std::string pattern, PatternTags tags) {
  insert(std::move(pattern), tags, true);
}

void PatternSet::insert(std::string pattern, PatternTags tags, bool placeholders) {
  tags_ |= tags;
  std::uint32_t node = 0;
  TopicLevels levels(pattern);
  while (!levels.done()) {
    const std::string_view level = levels.next();
    if (level == "#") {
      nodes_[node].hash |= tags;
      patterns_.push_back(std::move(pattern));
      return;
    }
    if (level == "+") {
      node = add_edge(&Node::plus, node);
    } else if (placeholders && level == kIdentityPlaceholder) {
      node = add_edge(&Node::identity, node);
    } else if (placeholders && level == kClientIdPlaceholder) {
      node = add_edge(&Node::client_id, node);
    } else {
      node = add_literal_child(node, level);
    }
  }
  nodes_[node].terminal |= tags;
  patterns_.push_back(std::move(pattern));
}

// `dollar_root`: we are at the root and the text starts with '$', where MQTT says a
// wildcard never matches. A placeholder is not a wildcard: it stands for one literal level.
// Every branch that can match is visited until a tag in walk.enough has been found; the
// literal branch, nearly always the only one, is followed in the loop, the others recursively.
PatternTags PatternSet::matches(std::uint32_t index, Cursor levels, bool dollar_root,
                                const Walk& walk) const noexcept {
  PatternTags found = 0;
  while (true) {
    const Node& node = nodes_[index];
    if (!dollar_root) found |= node.hash;  // '#' also matches its parent level
    if ((found & walk.enough) != 0) return found;
    if (levels.done) return found | node.terminal;
    const std::string_view level = levels.take();
    const auto visit = [&](std::uint32_t child) {
      found |= matches(child, levels, false, walk);
      return (found & walk.enough) != 0;
    };
    if (node.identity != kNone && fills(walk.values.identity, level) && visit(node.identity)) {
      return found;
    }
    if (node.client_id != kNone && fills(walk.values.client_id, level) && visit(node.client_id)) {
      return found;
    }
    if (node.plus != kNone && !dollar_root && visit(node.plus)) return found;
    index = literal_child(node, level);
    if (index == kNone) return found;
    dollar_root = false;
  }
}

PatternTags PatternSet::contains(std::uint32_t index, Cursor levels, bool dollar_root,
                                 const Walk& walk) const noexcept {
  PatternTags found = 0;
  while (true) {
    const Node& node = nodes_[index];
    if (!dollar_root) found |= node.hash;
    if ((found & walk.enough) != 0) return found;
    if (levels.done) return found | node.terminal;
    const std::string_view level = levels.take();
    if (level == "#") return found;  // only a '#' here (counted above) reaches any depth
    if (level == "+") {
      // Only a '+' in the pattern contains a '+' of the filter.
      if (node.plus == kNone) return found;
      index = node.plus;
      dollar_root = false;
      continue;
    }
    const auto visit = [&](std::uint32_t child) {
      found |= contains(child, levels, false, walk);
      return (found & walk.enough) != 0;
    };
    if (node.identity != kNone && fills(walk.values.identity, level) && visit(node.identity)) {
      return found;
    }
    if (node.client_id != kNone && fills(walk.values.client_id, level) && visit(node.client_id)) {
      return found;
    }
    if (node.plus != kNone && !dollar_root && visit(node.plus)) return found;
    index = literal_child(node, level);
    if (index == kNone) return found;
    dollar_root = false;
  }
}

PatternTags PatternSet::tags_matching_topic(std::string_view topic, const PlaceholderValues& values,
                                            PatternTags enough) const noexcept {
  if (patterns_.empty()) return 0;
  return matches(0, Cursor{topic.data(), topic.data() + topic.size(), false},
                 starts_with_dollar(topic), Walk{values, enough});
}

PatternTags PatternSet::tags_containing_filter(std::string_view filter,
                                               const PlaceholderValues& values,
                                               PatternTags enough) const noexcept {
  if (patterns_.empty()) return 0;
  return contains(0, Cursor{filter.data(), filter.data() + filter.size(), false},
                  starts_with_dollar(filter), Walk{values, enough});
}

}  // namespace certacl::policy
