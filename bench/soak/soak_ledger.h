#pragma once
// What the soak promises, as bookkeeping kept while it runs: every message it publishes,
// whether the rules in force when it was sent say it must reach the monitors, must not,
// or may go either way (sent while a change was being adopted); what the monitors
// received; and how long each revoked or disabled device took to be dropped. Pure: no
// I/O, no clock of its own, so its verdicts are unit-testable.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace certacl::soak {

using Nanos = std::int64_t;  // steady-clock nanoseconds

enum class Expectation { kMustDeliver, kMustNotDeliver, kEither };

// One soak message on the wire: "soak <sequence> <sender> <sent_ns>".
struct SoakStamp {
  std::uint64_t sequence = 0;
  std::uint32_t sender = 0;
  Nanos sent_ns = 0;
};
[[nodiscard]] std::string encode_soak(const SoakStamp& stamp);
[[nodiscard]] std::optional<SoakStamp> decode_soak(const std::string& payload) noexcept;

// When rule round `r` (allow publish soak/round/<r>/%u) was asked for and committed.
class RuleTimeline {
 public:
  void started(std::uint32_t round, Nanos at);
  void committed(std::uint32_t round, Nanos at);
  // Before the command started: not allowed yet. At least `adoption` after it returned:
  // allowed. In between: either.
  [[nodiscard]] Expectation expectation(std::uint32_t round, Nanos sent, Nanos adoption) const;

 private:
  std::map<std::uint32_t, std::pair<Nanos, std::optional<Nanos>>> rounds_;
};

struct LedgerTotals {
  std::uint64_t published = 0;
  std::uint64_t accepted = 0;         // PUBACK received
  std::uint64_t must_deliver = 0;     // accepted and allowed when sent
  std::uint64_t deliveries = 0;       // receptions at monitors, all kinds
  std::uint64_t late = 0;             // must_deliver, complete only after the deadline
  std::uint64_t lost = 0;             // must_deliver, not at every monitor by the run's end
  std::uint64_t forbidden_sent = 0;   // published though the rules refuse them
  std::uint64_t violations = 0;       // must-not-deliver messages that arrived
  std::uint64_t duplicates = 0;       // QoS 1 may repeat; counted, not failed
  std::vector<std::string> examples;  // the first few losses and violations, described
};

class MessageLedger {
 public:
  MessageLedger(std::uint32_t monitors, Nanos delivery_deadline)
      : monitors_(monitors), deadline_(delivery_deadline) {}

  void published(const SoakStamp& stamp, const std::string& topic, Expectation expectation);
  void accepted(std::uint64_t sequence);
  void received(std::uint32_t monitor, const SoakStamp& stamp, const std::string& topic);
  // A change is being ordered now: messages the broker has not acknowledged yet may be
  // processed under either the old or the new rules, so they may now go either way.
  // (mosquitto sends PUBACK after its ACL checks and queueing to subscribers, so an
  // acknowledged message was judged under the rules before the change.)
  void excuse_unacknowledged_from(std::uint32_t sender);
  void excuse_unacknowledged_on(const std::string& topic_prefix);
  // Judges every message older than the deadline: a required one that has not reached
  // every monitor is overdue (late if it still arrives); `all` ends the run: everything
  // still missing is lost.
  void settle(Nanos now, bool all = false);

  [[nodiscard]] const LedgerTotals& totals() const noexcept { return totals_; }
  [[nodiscard]] std::size_t open_messages() const noexcept {
    return open_.size() + overdue_.size();
  }

 private:
  struct Open {
    std::uint32_t sender;
    Nanos sent_ns;
    Expectation expectation;
    bool accepted = false;
    std::uint32_t seen_mask = 0;
    std::string topic;
  };
  void note(std::string text);

  std::uint32_t monitors_;
  Nanos deadline_;
  std::unordered_map<std::uint64_t, Open> open_;
  std::unordered_map<std::uint64_t, Open> overdue_;  // required, past the deadline, missing
  LedgerTotals totals_;
};

// Drop times of revoked and disabled devices: from the CA command's return to the broker
// closing the connection (0 when it closed before the command returned).
class DropTimes {
 public:
  void ordered(std::uint32_t device, Nanos command_returned);
  void dropped(std::uint32_t device, Nanos at);
  // Dropped before the command that ordered it had even returned.
  void dropped_before_return() { times_.push_back(0); }
  // Devices still connected `limit` after their order count as missed (and are forgotten).
  void expire(Nanos now, Nanos limit);

  [[nodiscard]] std::size_t measured() const noexcept { return times_.size(); }
  [[nodiscard]] std::size_t missed() const noexcept { return missed_; }
  [[nodiscard]] std::size_t over(Nanos target) const;
  [[nodiscard]] Nanos max() const;
  [[nodiscard]] Nanos percentile(double q) const;

 private:
  std::unordered_map<std::uint32_t, Nanos> pending_;
  std::vector<Nanos> times_;
  std::size_t missed_ = 0;
};

// RSS (or any counter) flat after warm-up: the mean of the last third of the samples taken
// after `warmup_s` is at most `tolerance` (a fraction) above the mean of the first third.
struct FlatnessVerdict {
  bool flat = true;
  double early_mean = 0;
  double late_mean = 0;
  double growth = 0;  // late / early - 1
  std::size_t samples = 0;
};
[[nodiscard]] FlatnessVerdict judge_flatness(const std::vector<std::pair<double, double>>& series,
                                             double warmup_s, double tolerance);

}  // namespace certacl::soak
