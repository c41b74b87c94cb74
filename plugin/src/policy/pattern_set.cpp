#include "pattern_set.h"

namespace certacl::policy {
namespace {

constexpr std::string_view kIdentityPlaceholder = "%u";
constexpr std::string_view kClientIdPlaceholder = "%c";

bool starts_with_dollar(std::string_view text) noexcept {
  return !text.empty() && text.front() == '$';
}

// A placeholder edge is taken when the level is exactly the value it stands for.
bool fills(std::string_view value, std::string_view level) noexcept {
  return !value.empty() && value == level;
}

}  // namespace

PatternSet::PatternSet() : nodes_(1) {}

std::uint32_t PatternSet::literal_child(const Node& node, std::string_view level) const noexcept {
  if (node.literal_index) {
    const auto found = node.literal_index->find(level);
    return found == node.literal_index->end() ? kNone : found->second;
  }
  for (const auto& [text, child] : node.literals) {
    if (text == level) return child;
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

void PatternSet::add(std::string pattern) {
  insert(std::move(pattern), false);
}

void PatternSet::add_with_placeholders(std::string pattern) {
  insert(std::move(pattern), true);
}

void PatternSet::insert(std::string pattern, bool placeholders) {
  std::uint32_t node = 0;
  TopicLevels levels(pattern);
  while (!levels.done()) {
    const std::string_view level = levels.next();
    if (level == "#") {
      nodes_[node].hash = true;
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
  nodes_[node].terminal = true;
  patterns_.push_back(std::move(pattern));
}

// `dollar_root`: we are at the root and the text starts with '$', where MQTT says a
// wildcard never matches. A placeholder is not a wildcard: it stands for one literal level.
bool PatternSet::matches(std::uint32_t index, Cursor levels, bool dollar_root,
                         const PlaceholderValues& values) const noexcept {
  const Node& node = nodes_[index];
  if (node.hash && !dollar_root) return true;  // '#' also matches its parent level
  if (levels.done) return node.terminal;
  const std::string_view level = levels.take();
  const std::uint32_t literal = literal_child(node, level);
  if (literal != kNone && matches(literal, levels, false, values)) return true;
  if (node.identity != kNone && fills(values.identity, level) &&
      matches(node.identity, levels, false, values)) {
    return true;
  }
  if (node.client_id != kNone && fills(values.client_id, level) &&
      matches(node.client_id, levels, false, values)) {
    return true;
  }
  return node.plus != kNone && !dollar_root && matches(node.plus, levels, false, values);
}

bool PatternSet::contains(std::uint32_t index, Cursor levels, bool dollar_root,
                          const PlaceholderValues& values) const noexcept {
  const Node& node = nodes_[index];
  if (node.hash && !dollar_root) return true;
  if (levels.done) return node.terminal;
  const std::string_view level = levels.take();
  if (level == "#") return false;  // only a '#' here (handled above) reaches any depth
  if (level == "+") return node.plus != kNone && contains(node.plus, levels, false, values);
  const std::uint32_t literal = literal_child(node, level);
  if (literal != kNone && contains(literal, levels, false, values)) return true;
  if (node.identity != kNone && fills(values.identity, level) &&
      contains(node.identity, levels, false, values)) {
    return true;
  }
  if (node.client_id != kNone && fills(values.client_id, level) &&
      contains(node.client_id, levels, false, values)) {
    return true;
  }
  return node.plus != kNone && !dollar_root && contains(node.plus, levels, false, values);
}

bool PatternSet::any_matches_topic(std::string_view topic,
                                   const PlaceholderValues& values) const noexcept {
  if (patterns_.empty()) return false;
  return matches(0, Cursor{topic.data(), topic.data() + topic.size(), false},
                 starts_with_dollar(topic), values);
}

bool PatternSet::any_contains_filter(std::string_view filter,
                                     const PlaceholderValues& values) const noexcept {
  if (patterns_.empty()) return false;
  return contains(0, Cursor{filter.data(), filter.data() + filter.size(), false},
                  starts_with_dollar(filter), values);
}

}  // namespace certacl::policy
