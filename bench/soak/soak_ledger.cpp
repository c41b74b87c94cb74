#include "soak_ledger.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string_view>

namespace certacl::soak {
namespace {
constexpr std::size_t kExamples = 10;
}

std::string encode_soak(const SoakStamp& stamp) {
  return fmt::format("soak {} {} {}", stamp.sequence, stamp.sender, stamp.sent_ns);
}

std::optional<SoakStamp> decode_soak(const std::string& payload) noexcept {
  constexpr std::string_view kPrefix = "soak ";
  if (payload.rfind(kPrefix, 0) != 0) return std::nullopt;
  SoakStamp stamp;
  const char* at = payload.data() + kPrefix.size();
  const char* end = payload.data() + payload.size();
  const auto field = [&](auto& value, bool last) {
    const auto parsed = std::from_chars(at, end, value);
    if (parsed.ec != std::errc()) return false;
    at = parsed.ptr;
    if (last) return at == end;
    if (at == end || *at != ' ') return false;
    ++at;
    return true;
  };
  if (!field(stamp.sequence, false) || !field(stamp.sender, false) || !field(stamp.sent_ns, true)) {
    return std::nullopt;
  }
  return stamp;
}

void RuleTimeline::started(std::uint32_t round, Nanos at) {
  rounds_[round].first = at;
}

void RuleTimeline::committed(std::uint32_t round, Nanos at) {
  rounds_[round].second = at;
}

Expectation RuleTimeline::expectation(std::uint32_t round, Nanos sent, Nanos adoption) const {
  const auto found = rounds_.find(round);
  if (found == rounds_.end() || sent < found->second.first) return Expectation::kMustNotDeliver;
  const auto& committed = found->second.second;
  if (committed && sent >= *committed + adoption) return Expectation::kMustDeliver;
  return Expectation::kEither;
}

void MessageLedger::note(std::string text) {
  if (totals_.examples.size() < kExamples) totals_.examples.push_back(std::move(text));
}

void MessageLedger::published(const SoakStamp& stamp, const std::string& topic,
                              Expectation expectation) {
  ++totals_.published;
  if (expectation == Expectation::kMustNotDeliver) ++totals_.forbidden_sent;
  open_.emplace(stamp.sequence, Open{stamp.sender, stamp.sent_ns, expectation, false, 0, topic});
}

void MessageLedger::excuse_unacknowledged_from(std::uint32_t sender) {
  for (auto& [sequence, message] : open_) {
    if (message.sender == sender && !message.accepted) message.expectation = Expectation::kEither;
  }
}

void MessageLedger::excuse_unacknowledged_on(const std::string& topic_prefix) {
  for (auto& [sequence, message] : open_) {
    if (!message.accepted && message.topic.rfind(topic_prefix, 0) == 0) {
      message.expectation = Expectation::kEither;
    }
  }
}

void MessageLedger::accepted(std::uint64_t sequence) {
  const auto found = open_.find(sequence);
  if (found == open_.end() || found->second.accepted) return;
  found->second.accepted = true;
  ++totals_.accepted;
  if (found->second.expectation == Expectation::kMustDeliver) ++totals_.must_deliver;
}

void MessageLedger::received(std::uint32_t monitor, const SoakStamp& stamp,
                             const std::string& topic) {
  ++totals_.deliveries;
  const std::uint32_t bit = 1u << monitor;
  const std::uint32_t everyone = (1u << monitors_) - 1;
  if (const auto late = overdue_.find(stamp.sequence); late != overdue_.end()) {
    if ((late->second.seen_mask & bit) == 0) {
      late->second.seen_mask |= bit;
      if (late->second.seen_mask == everyone) {
        ++totals_.late;
        overdue_.erase(late);
      }
    } else {
      ++totals_.duplicates;
    }
    return;
  }
  const auto found = open_.find(stamp.sequence);
  if (found == open_.end()) {
    ++totals_.duplicates;  // judged already and complete: a QoS 1 repeat
    return;
  }
  auto& message = found->second;
  if (message.seen_mask & bit) {
    ++totals_.duplicates;
    return;
  }
  message.seen_mask |= bit;
  if (message.expectation == Expectation::kMustNotDeliver) {
    ++totals_.violations;
    note(fmt::format("delivered against the rules: seq {} from device {} on '{}'", stamp.sequence,
                     stamp.sender, topic));
  }
}

void MessageLedger::settle(Nanos now, bool all) {
  const std::uint32_t everyone = (1u << monitors_) - 1;
  for (auto it = open_.begin(); it != open_.end();) {
    const auto& message = it->second;
    if (!all && now - message.sent_ns < deadline_) {
      ++it;
      continue;
    }
    if (message.expectation == Expectation::kMustDeliver && message.accepted &&
        message.seen_mask != everyone) {
      overdue_.emplace(it->first, message);
    }
    it = open_.erase(it);
  }
  if (!all) return;
  for (const auto& [sequence, message] : overdue_) {
    ++totals_.lost;
    note(fmt::format("lost: seq {} on '{}' reached monitors {:#b} of {:#b}", sequence,
                     message.topic, message.seen_mask, everyone));
  }
  overdue_.clear();
}

void DropTimes::ordered(std::uint32_t device, Nanos command_returned) {
  pending_[device] = command_returned;
}

void DropTimes::dropped(std::uint32_t device, Nanos at) {
  const auto found = pending_.find(device);
  if (found == pending_.end()) return;
  times_.push_back(std::max<Nanos>(0, at - found->second));
  pending_.erase(found);
}

void DropTimes::expire(Nanos now, Nanos limit) {
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (now - it->second > limit) {
      ++missed_;
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
}

std::size_t DropTimes::over(Nanos target) const {
  return static_cast<std::size_t>(
      std::count_if(times_.begin(), times_.end(), [&](Nanos t) { return t > target; }));
}

Nanos DropTimes::max() const {
  return times_.empty() ? 0 : *std::max_element(times_.begin(), times_.end());
}

Nanos DropTimes::percentile(double q) const {
  if (times_.empty()) return 0;
  auto sorted = times_;
  std::sort(sorted.begin(), sorted.end());
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[rank == 0 ? 0 : rank - 1];
}

FlatnessVerdict judge_flatness(const std::vector<std::pair<double, double>>& series,
                               double warmup_s, double tolerance) {
  std::vector<double> after;
  for (const auto& [t, value] : series) {
    if (t >= warmup_s) after.push_back(value);
  }
  FlatnessVerdict verdict;
  verdict.samples = after.size();
  if (after.size() < 3) return verdict;  // too short to say; reported with the sample count
  const std::size_t third = after.size() / 3;
  const auto mean = [](auto first, auto last) {
    double sum = 0;
    for (auto it = first; it != last; ++it) sum += *it;
    return sum / static_cast<double>(last - first);
  };
  verdict.early_mean = mean(after.begin(), after.begin() + static_cast<long>(third));
  verdict.late_mean = mean(after.end() - static_cast<long>(third), after.end());
  verdict.growth = verdict.early_mean > 0 ? verdict.late_mean / verdict.early_mean - 1 : 0;
  verdict.flat = verdict.growth <= tolerance;
  return verdict;
}

}  // namespace certacl::soak
