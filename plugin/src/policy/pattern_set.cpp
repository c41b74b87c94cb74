#include "pattern_set.h"

namespace certacl::policy {
namespace {

bool starts_with_dollar(std::string_view text) noexcept {
  return !text.empty() && text.front() == '$';
}

}  // namespace

PatternSet::PatternSet() : nodes_(1) {}

std::uint32_t PatternSet::literal_child(const Node& node, std::string_view level) const noexcept {
  if (!node.literal_index.empty()) {
    const auto found = node.literal_index.find(level);
    return found == node.literal_index.end() ? kNone : found->second;
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
  if (!node.literal_index.empty()) {
    node.literal_index.emplace(std::string(level), child);
  } else if (node.literals.size() > kIndexThreshold) {
    for (const auto& [text, index] : node.literals) node.literal_index.emplace(text, index);
  }
  return child;
}

void PatternSet::add(std::string pattern) {
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
      if (nodes_[node].plus == kNone) {
        const auto child = static_cast<std::uint32_t>(nodes_.size());
        nodes_.emplace_back();
        nodes_[node].plus = child;
      }
      node = nodes_[node].plus;
    } else {
      node = add_literal_child(node, level);
    }
  }
  nodes_[node].terminal = true;
  patterns_.push_back(std::move(pattern));
}

// `dollar_root`: we are at the root and the text starts with '$', where MQTT says a
// wildcard never matches.
bool PatternSet::matches(std::uint32_t index, Cursor levels, bool dollar_root) const noexcept {
  const Node& node = nodes_[index];
  if (node.hash && !dollar_root) return true;  // '#' also matches its parent level
  if (levels.done) return node.terminal;
  const std::string_view level = levels.take();
  const std::uint32_t literal = literal_child(node, level);
  if (literal != kNone && matches(literal, levels, false)) return true;
  return node.plus != kNone && !dollar_root && matches(node.plus, levels, false);
}

bool PatternSet::contains(std::uint32_t index, Cursor levels, bool dollar_root) const noexcept {
  const Node& node = nodes_[index];
  if (node.hash && !dollar_root) return true;
  if (levels.done) return node.terminal;
  const std::string_view level = levels.take();
  if (level == "#") return false;  // only a '#' here (handled above) reaches any depth
  if (level == "+") return node.plus != kNone && contains(node.plus, levels, false);
  const std::uint32_t literal = literal_child(node, level);
  if (literal != kNone && contains(literal, levels, false)) return true;
  return node.plus != kNone && !dollar_root && contains(node.plus, levels, false);
}

bool PatternSet::any_matches_topic(std::string_view topic) const noexcept {
  if (patterns_.empty()) return false;
  return matches(0, Cursor{topic.data(), topic.data() + topic.size(), false},
                 starts_with_dollar(topic));
}

bool PatternSet::any_contains_filter(std::string_view filter) const noexcept {
  if (patterns_.empty()) return false;
  return contains(0, Cursor{filter.data(), filter.data() + filter.size(), false},
                  starts_with_dollar(filter));
}

}  // namespace certacl::policy
