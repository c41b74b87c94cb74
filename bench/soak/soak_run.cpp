#include "soak_run.h"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <fstream>
#include <map>
#include <memory>
#include <ostream>
#include <random>
#include <unordered_map>

#include "engine/clock.h"
#include "engine/event_loop.h"
#include "engine/process_limits.h"
#include "operator_thread.h"
#include "provision/ca_cli.h"
#include "provision/fleet_provisioner.h"

namespace certacl::soak {
namespace {

using sim::SessionState;
using sim::SimulatedDevice;
using std::chrono::milliseconds;

constexpr Nanos kSecond = 1'000'000'000;
constexpr Nanos kDeliveryDeadline = 10 * kSecond;  // a QoS 1 message not there by then is lost
constexpr Nanos kDropLimit = 5 * kSecond;          // not dropped by then: missed
constexpr Nanos kAdmitLimit = 10 * kSecond;        // an admitted device must be in by then
constexpr int kKeepalive = 60;
constexpr std::size_t kMaxPendingConnects = 128;
constexpr std::size_t kProblems = 12;
const std::string kDeviceRole = "soak-dev";
// Rule rounds go to a role of one device in kRoundEvery: every rule added recompiles the
// ACL of each session of the role, and the certacl-ca CLI only ever adds rules, so a rule
// round on the whole fleet would grow the broker by (sessions x rules) and hide a leak in
// that growth. A small role keeps the policy's size nearly stationary.
const std::string kRoundRole = "soak-rounds";
constexpr std::uint32_t kRoundEvery = 50;
const std::string kMonitorRole = "soak-monitor";
const std::string kSysPrefix = "$SYS/broker/certacl/";

Nanos seconds_ns(double s) {
  return static_cast<Nanos>(s * 1e9);
}

enum class Phase {
  kWaiting,     // not connected yet (ramp), or away after a random disconnect
  kConnecting,  // a connect that must be admitted (retried on refusal until kAdmitLimit)
  kRunning,     // connected and publishing
  kOrdered,     // a revoke or disable is running or done; waiting for the broker's drop
  kProbing,     // reconnecting with the revoked certificate / while disabled: must fail
  kRestoring,   // re-enrolling (new key, CSR, sign) or enabling
};

enum class Order { kNone, kRevoke, kDisable };

struct Slot {
  std::uint32_t index = 0;
  std::string name;
  sim::DeviceCredentials credentials;
  std::string serial;
  std::uint32_t generation = 0;
  SimulatedDevice* device = nullptr;  // the current client; old ones stay in the graveyard
  Phase phase = Phase::kWaiting;
  Order order = Order::kNone;
  Nanos order_started = 0;
  Nanos order_returned = 0;  // 0 while the command runs
  Nanos due = 0;             // next publish, or when to reconnect
  Nanos admit_deadline = 0;
  std::uint64_t publishes = 0;
  std::deque<std::uint64_t> unacked;  // sequences in publish order (PUBACKs come in order)
  std::uint64_t acks_seen = 0;
};

long read_rss_kb(int pid) {
  if (pid <= 0) return 0;
  std::ifstream status(fmt::format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return 0;
}

class Soak {
 public:
  Soak(const SoakSettings& settings, std::ostream& progress)
      : settings_(settings), progress_(progress), ledger_(2, kDeliveryDeadline), random_(42) {}

  SoakReport run() {
    provision();
    start_ = sim::steady_now_ns();
    next_sample_ = start_;
    next_progress_ = start_;
    connect_monitors();
    ramp_up();
    loop_.run_until(
        [&] { return sim::steady_now_ns() >= end_; },
        std::chrono::duration_cast<milliseconds>(settings_.duration) + std::chrono::minutes(1),
        [&] { return tick(); });
    // Drain: no new publishes or orders; let deliveries and drops finish.
    draining_ = true;
    const auto drain_end = sim::steady_now_ns() + kDeliveryDeadline;
    loop_.run_until([&] { return sim::steady_now_ns() >= drain_end; }, milliseconds(15000),
                    [&] { return tick(); });
    ledger_.settle(sim::steady_now_ns(), true);
    sample(sim::steady_now_ns());
    finish();
    return report_;
  }

 private:
  // ---- set-up ------------------------------------------------------------------------
  void provision() {
    sim::CertificateAuthorityCli ca(settings_.ca_bin, settings_.ca_db);
    sim::FleetProvisioner fleet(ca, settings_.workdir);
    for (const auto& role : {kDeviceRole, kRoundRole}) {
      fleet.ensure_role(role,
                        {{"allow", "publish", "soak/%u/#"}, {"allow", "subscribe", "soak/%u/#"}});
    }
    fleet.ensure_role(kMonitorRole,
                      {{"allow", "subscribe", "soak/#"}, {"allow", "subscribe", kSysPrefix + "#"}});
    const auto limit = sim::raise_open_file_limit(sim::descriptors_needed(settings_.devices + 2));
    if (const auto problem = sim::descriptor_budget_problem(settings_.devices + 2, limit);
        !problem.empty()) {
      throw std::runtime_error(problem);
    }
    const auto registered = fleet.registered_devices();
    for (std::uint32_t i = 0; i < 2; ++i) {
      const auto name = fmt::format("soak-monitor-{}", i);
      if (!registered.contains(name)) fleet.ensure_device(name, kMonitorRole);
      monitors_.push_back(std::make_unique<SimulatedDevice>(fleet.issue(name).credentials,
                                                            settings_.broker, kKeepalive));
    }
    slots_.resize(settings_.devices);
    const int width = static_cast<int>(std::to_string(settings_.devices).size());
    for (std::uint32_t i = 0; i < settings_.devices; ++i) {
      auto& slot = slots_[i];
      slot.index = i;
      slot.name = fmt::format("soak-{:0{}}", i, width);
      if (!registered.contains(slot.name)) {
        fleet.ensure_device(slot.name, i % kRoundEvery == 0 ? kRoundRole : kDeviceRole);
      }
      auto issued = fleet.issue(slot.name);
      slot.credentials = issued.credentials;
      slot.serial = issued.serial;
      if ((i + 1) % 500 == 0) {
        progress_ << fmt::format("provisioned {}/{} soak devices\n", i + 1, settings_.devices)
                  << std::flush;
      }
    }
  }

  void connect_monitors() {
    for (std::uint32_t m = 0; m < monitors_.size(); ++m) {
      auto& monitor = *monitors_[m];
      monitor.keep_messages = false;
      monitor.on_connected = [m](SimulatedDevice& d) {
        d.subscribe("soak/#", 1);
        if (m == 0) d.subscribe(kSysPrefix + "#", 0);
      };
      monitor.on_message = [this, m](SimulatedDevice&, const mosquitto_message& message) {
        on_monitor_message(m, message);
      };
      monitor.on_state_changed = [this](SimulatedDevice& d, SessionState) {
        if (d.state() == SessionState::kDropped || d.state() == SessionState::kRefused ||
            d.state() == SessionState::kConnectionError) {
          problem(fmt::format("monitor {}: {}", d.name(), d.describe_outcome()));
        }
      };
      loop_.add(monitor);
      monitor.start_connect();
    }
    loop_.run_until(
        [&] {
          return std::all_of(monitors_.begin(), monitors_.end(), [](const auto& m) {
            return m->state() == SessionState::kConnected && m->granted_qos(1).has_value();
          });
        },
        milliseconds(10000));
  }

  SimulatedDevice& new_client(Slot& slot) {
    graveyard_.push_back(
        std::make_unique<SimulatedDevice>(slot.credentials, settings_.broker, kKeepalive));
    auto& device = *graveyard_.back();
    device.keep_messages = false;
    const auto index = slot.index;
    device.on_connected = [this, index](SimulatedDevice& d) {
      d.subscribe(fmt::format("soak/{}/t", slots_[index].name), 1);
    };
    device.on_state_changed = [this, index](SimulatedDevice& d, SessionState from) {
      on_device_state(slots_[index], d, from);
    };
    loop_.add(device);
    slot.device = &device;
    slot.unacked.clear();
    slot.acks_seen = 0;
    return device;
  }

  // The whole fleet connects before the soak proper: on a busy machine the broker's TLS
  // handshakes take all its CPU during the ramp, which says nothing about churn. Traffic,
  // churn and the duration start once every device is in (or the ramp stalls).
  void ramp_up() {
    const auto limit = milliseconds(static_cast<long>(static_cast<double>(slots_.size()) /
                                                      settings_.connect_rate * 1000)) +
                       std::chrono::minutes(2);
    loop_.run_until(
        [&] {
          return ramped_ == slots_.size() && pending_ == 0 &&
                 std::all_of(slots_.begin(), slots_.end(),
                             [](const Slot& slot) { return slot.phase != Phase::kConnecting; });
        },
        limit, [&] { return tick(); });
    const Nanos now = sim::steady_now_ns();
    report_.ramp_s = static_cast<double>(now - start_) / 1e9;
    steady_ = true;
    for (auto& slot : slots_) {
      slot.due = now + static_cast<Nanos>(std::uniform_real_distribution<double>(
                                              0, settings_.publish_period_s)(random_) *
                                          1e9);
    }
    end_ = now + seconds_ns(static_cast<double>(settings_.duration.count()));
    next_churn_ = now + seconds_ns(settings_.churn_period_s);
    next_disconnect_ = now + seconds_ns(1 / std::max(settings_.disconnects_per_s, 1e-6));
  }

  // ---- the loop's work between wake-ups ------------------------------------------------
  milliseconds tick() {
    const Nanos now = sim::steady_now_ns();
    // PUBACKs first: an order excuses exactly the messages not acknowledged yet.
    count_acks();
    take_operator_results(now);
    if (!draining_) ramp(now);
    if (steady_ && !draining_) {
      publish_due(now);
      churn(now);
      random_disconnect(now);
    }
    reconnect_due(now);
    drops_.expire(now, kDropLimit);
    ledger_.settle(now);
    if (now >= next_sample_) {
      sample(now);
      next_sample_ += seconds_ns(settings_.sample_period_s);
    }
    if (now >= next_progress_) {
      show_progress(now);
      next_progress_ += 5 * kSecond;
    }
    return milliseconds(10);
  }

  void ramp(Nanos now) {
    const auto allowed =
        static_cast<std::size_t>(static_cast<double>(now - start_) / 1e9 * settings_.connect_rate) +
        1;
    while (ramped_ < slots_.size() && ramped_ < allowed && pending_ < kMaxPendingConnects) {
      auto& slot = slots_[ramped_++];
      admit(slot, now);
    }
  }

  void admit(Slot& slot, Nanos now) {
    slot.phase = Phase::kConnecting;
    slot.admit_deadline = now + kAdmitLimit;
    if (!slot.device) new_client(slot);
    connect(slot);
  }

  void on_device_state(Slot& slot, SimulatedDevice& device, SessionState from) {
    if (&device != slot.device) return;  // an old client of this slot
    const Nanos now = sim::steady_now_ns();
    const auto state = device.state();
    if (from == SessionState::kConnecting && pending_ > 0) --pending_;
    switch (slot.phase) {
      case Phase::kConnecting:
        if (state == SessionState::kConnected) {
          slot.phase = Phase::kRunning;
          slot.due = now + static_cast<Nanos>(std::uniform_real_distribution<double>(
                                                  0, settings_.publish_period_s)(random_) *
                                              1e9);
        } else if (state == SessionState::kRefused || state == SessionState::kConnectionError) {
          // The broker adopts a re-enrollment or an enable on its tick; retry until the limit.
          if (now >= slot.admit_deadline) {
            ++report_.failed_admissions;
            problem(fmt::format("{} not admitted within 10 s: {}", slot.name,
                                device.describe_outcome()));
            slot.phase = Phase::kWaiting;
            slot.due = now + 2 * kSecond;
          } else {
            retry_.push_back({now + kSecond / 5, slot.index});
          }
        }
        break;
      case Phase::kRunning:
        if (state == SessionState::kDropped) {
          ++report_.unexpected_drops;
          problem(fmt::format("{} dropped unexpectedly: {}", slot.name, device.describe_outcome()));
          slot.phase = Phase::kWaiting;
          slot.due = now + kSecond;
        }
        break;
      case Phase::kOrdered:
        if (state == SessionState::kDropped) {
          if (slot.order_returned == 0) {
            drops_.dropped_before_return();
          } else {
            drops_.dropped(slot.index, now);
          }
          start_probe(slot, now);
        }
        break;
      case Phase::kProbing:
        if (state == SessionState::kConnected) {
          ++report_.admitted_wrongly;
          problem(fmt::format(
              "{} admitted while {}", slot.name,
              slot.order == Order::kRevoke ? "its certificate is revoked" : "disabled"));
          device.disconnect();
          restore(slot);
        } else if (state == SessionState::kRefused || state == SessionState::kConnectionError) {
          ++report_.refusals_expected;
          restore(slot);
        }
        break;
      default:
        break;
    }
  }

  void start_probe(Slot& slot, Nanos) {
    slot.phase = Phase::kProbing;
    // A fresh client with the same (revoked, or disabled device's) credentials.
    new_client(slot);
    connect(slot);
  }

  void restore(Slot& slot) {
    slot.phase = Phase::kRestoring;
    if (slot.order == Order::kDisable) {
      operations_[operator_.submit({settings_.ca_bin, "--db", settings_.ca_db, "device", "enable",
                                    slot.name})] = {slot.index, Task::kEnable};
      return;
    }
    // Re-enrollment as a device does it: a new key and CSR made on the device, signed by
    // the CA (certacl-ca sign), never the CA's enroll shortcut.
    ++slot.generation;
    const auto stem =
        fmt::format("{}/devices/{}.g{}", settings_.workdir, slot.name, slot.generation);
    slot.credentials.keyfile = stem + ".key";
    slot.credentials.certfile = stem + ".crt";
    const auto csr = stem + ".csr";
    const auto script = fmt::format(
        "umask 077 && openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
        "-subj '/CN={}' -keyout '{}' -out '{}' 2>/dev/null && exec '{}' --db '{}' sign "
        "--csr '{}' --out '{}'",
        slot.name, slot.credentials.keyfile, csr, settings_.ca_bin, settings_.ca_db, csr,
        slot.credentials.certfile);
    operations_[operator_.submit({"/bin/sh", "-c", script})] = {slot.index, Task::kSign};
  }

  void reconnect_due(Nanos now) {
    for (auto it = retry_.begin(); it != retry_.end();) {
      if (it->first > now) {
        ++it;
        continue;
      }
      auto& slot = slots_[it->second];
      it = retry_.erase(it);
      if (slot.phase == Phase::kConnecting && slot.device) connect(slot);
    }
    if (draining_) return;
    for (auto& slot : slots_) {
      if (slot.phase == Phase::kWaiting && slot.device && slot.due <= now) {
        slot.phase = Phase::kConnecting;
        slot.admit_deadline = now + kAdmitLimit;
        connect(slot);
      }
    }
  }

  // A new connection of the slot's current client. PUBACKs of the previous connection
  // that are still to come would be taken for this one's, so its open sends are dropped
  // from the ack accounting (they count as never accepted: excused, not lost).
  void connect(Slot& slot) {
    slot.unacked.clear();
    slot.acks_seen = slot.device->acked_count();
    ++pending_;
    slot.device->start_connect();
  }

  void publish_due(Nanos now) {
    for (auto& slot : slots_) {
      if (slot.phase != Phase::kRunning && slot.phase != Phase::kOrdered) continue;
      if (slot.due > now || !slot.device || slot.device->state() != SessionState::kConnected) {
        continue;
      }
      slot.due += seconds_ns(settings_.publish_period_s);
      if (slot.due < now) slot.due = now + seconds_ns(settings_.publish_period_s);
      publish(slot, fmt::format("soak/{}/t", slot.name), own_expectation(slot, now), now);
      // Every third period one more message the rules decide on: a neighbour's topic
      // (always refused) or a rule round's topic (refused before its rule, then allowed).
      if (++slot.publishes % 3 != 0) continue;
      if ((slot.publishes / 3) % 2 == 0 || slot.index % kRoundEvery != 0) {
        const auto& neighbour = slots_[(slot.index + 1) % slots_.size()];
        if (neighbour.index != slot.index) {
          publish(slot, fmt::format("soak/{}/t", neighbour.name), Expectation::kMustNotDeliver,
                  now);
        }
      } else {
        const bool ahead = std::bernoulli_distribution(0.5)(random_) || rounds_committed_ == 0;
        const std::uint32_t round = ahead ? rounds_started_ + 1 : rounds_committed_;
        auto expectation = timeline_.expectation(round, now, seconds_ns(settings_.adoption_s));
        expectation = std::min(expectation, own_expectation(slot, now), strictest);
        publish(slot, fmt::format("soak/round/{}/{}", round, slot.name), expectation, now);
      }
    }
  }

  // Combining two verdicts: a message refused by either rule is refused.
  static bool strictest(Expectation a, Expectation b) { return rank(a) < rank(b); }
  static int rank(Expectation e) {
    return e == Expectation::kMustNotDeliver ? 0 : e == Expectation::kEither ? 1 : 2;
  }

  // The device's own standing: refused once its revocation or disabling is in force,
  // either while that is being carried out and adopted.
  Expectation own_expectation(const Slot& slot, Nanos now) const {
    if (slot.phase != Phase::kOrdered) return Expectation::kMustDeliver;
    if (slot.order_returned != 0 && now >= slot.order_returned + seconds_ns(settings_.adoption_s)) {
      return Expectation::kMustNotDeliver;
    }
    return Expectation::kEither;
  }

  void publish(Slot& slot, const std::string& topic, Expectation expectation, Nanos now) {
    const SoakStamp stamp{next_sequence_++, slot.index, now};
    if (slot.device->publish(topic, encode_soak(stamp), 1)) {
      ledger_.published(stamp, topic, expectation);
      slot.unacked.push_back(stamp.sequence);
    }
  }

  // libmosquitto counts PUBACKs per client; on one connection they come in publish order.
  void count_acks() {
    for (auto& slot : slots_) {
      if (!slot.device) continue;
      const auto acked = slot.device->acked_count();
      while (slot.acks_seen < acked) {
        if (slot.unacked.empty()) {
          slot.acks_seen = acked;  // late PUBACKs of an earlier connection
          break;
        }
        ledger_.accepted(slot.unacked.front());
        slot.unacked.pop_front();
        ++slot.acks_seen;
      }
    }
  }

  void on_monitor_message(std::uint32_t monitor, const mosquitto_message& message) {
    const std::string topic = message.topic ? message.topic : "";
    const std::string payload(static_cast<const char*>(message.payload),
                              static_cast<std::size_t>(message.payloadlen));
    if (topic.rfind(kSysPrefix, 0) == 0) {
      counters_[topic.substr(kSysPrefix.size())] = std::strtol(payload.c_str(), nullptr, 10);
      return;
    }
    if (const auto stamp = decode_soak(payload)) ledger_.received(monitor, *stamp, topic);
  }

  // ---- the operator ------------------------------------------------------------------
  enum class Task { kRevoke, kDisable, kEnable, kSign, kRule };
  struct Pending {
    std::uint32_t slot = 0;
    Task task = Task::kRule;
  };

  Slot* pick_running() {
    for (int attempt = 0; attempt < 20; ++attempt) {
      auto& slot =
          slots_[std::uniform_int_distribution<std::size_t>(0, slots_.size() - 1)(random_)];
      if (slot.phase == Phase::kRunning) return &slot;
    }
    return nullptr;
  }

  void churn(Nanos now) {
    if (now < next_churn_) return;
    next_churn_ += seconds_ns(settings_.churn_period_s);
    if (operator_.queued() > 6) return;  // the CA is slower than asked; do not pile up
    if (auto* slot = pick_running()) order(*slot, Order::kRevoke, now);
    if (auto* slot = pick_running()) order(*slot, Order::kDisable, now);
    const std::uint32_t round = ++rounds_started_;
    timeline_.started(round, now);
    ledger_.excuse_unacknowledged_on(fmt::format("soak/round/{}/", round));
    operations_[operator_.submit({settings_.ca_bin, "--db", settings_.ca_db, "role", "allow",
                                  kRoundRole, "publish", fmt::format("soak/round/{}/%u", round)})] =
        {round, Task::kRule};
    ++report_.rule_changes;
  }

  void order(Slot& slot, Order what, Nanos now) {
    slot.phase = Phase::kOrdered;
    slot.order = what;
    slot.order_started = now;
    slot.order_returned = 0;
    ledger_.excuse_unacknowledged_from(slot.index);
    if (what == Order::kRevoke) {
      ++report_.revocations;
      operations_[operator_.submit({settings_.ca_bin, "--db", settings_.ca_db, "revoke",
                                    slot.serial})] = {slot.index, Task::kRevoke};
    } else {
      ++report_.disables;
      operations_[operator_.submit({settings_.ca_bin, "--db", settings_.ca_db, "device", "disable",
                                    slot.name})] = {slot.index, Task::kDisable};
    }
  }

  void take_operator_results(Nanos now) {
    for (const auto& result : operator_.take_results()) {
      const auto found = operations_.find(result.id);
      if (found == operations_.end()) continue;
      const auto pending = found->second;
      operations_.erase(found);
      if (!result.ok) {
        ++report_.operator_failures;
        problem(fmt::format("certacl-ca failed: {}", result.output.substr(0, 200)));
      }
      if (pending.task == Task::kRule) {
        if (result.ok) {
          timeline_.committed(pending.slot, result.returned_ns);
          rounds_committed_ = std::max(rounds_committed_, pending.slot);
        }
        continue;
      }
      auto& slot = slots_[pending.slot];
      switch (pending.task) {
        case Task::kRevoke:
        case Task::kDisable:
          slot.order_returned = result.returned_ns;
          if (slot.phase == Phase::kOrdered) drops_.ordered(slot.index, result.returned_ns);
          break;
        case Task::kSign:
          if (result.ok) {
            slot.serial = sim::parse_serial(result.output);
            ++report_.reenrollments;
          }
          [[fallthrough]];
        case Task::kEnable:
          slot.order = Order::kNone;
          slot.order_started = 0;
          slot.order_returned = 0;
          new_client(slot);
          admit(slot, now);
          break;
        default:
          break;
      }
    }
    // A device the broker did not drop: it is reported missed by drops_; take it off here.
    for (auto& slot : slots_) {
      if (slot.phase == Phase::kOrdered && slot.order_returned != 0 &&
          now - slot.order_returned > kDropLimit) {
        problem(fmt::format("{} still connected {} s after its {}", slot.name, kDropLimit / kSecond,
                            slot.order == Order::kRevoke ? "revocation" : "disabling"));
        auto* old = slot.device;
        slot.phase = Phase::kProbing;  // so closing the old client is not taken as its drop
        old->disconnect();
        start_probe(slot, now);
      }
    }
  }

  void random_disconnect(Nanos now) {
    if (now < next_disconnect_) return;
    next_disconnect_ += seconds_ns(1 / std::max(settings_.disconnects_per_s, 1e-6));
    auto* slot = pick_running();
    if (!slot) return;
    ++report_.random_disconnects;
    slot->device->disconnect();
    slot->phase = Phase::kWaiting;
    slot->due =
        now + static_cast<Nanos>(std::uniform_real_distribution<double>(0.5, 3.0)(random_) * 1e9);
  }

  // ---- observation ---------------------------------------------------------------------
  void sample(Nanos now) {
    SoakSample s;
    s.elapsed_s = static_cast<double>(now - start_) / 1e9;
    s.rss_kb = read_rss_kb(settings_.broker_pid);
    s.sessions = counter("sessions");
    s.connected =
        static_cast<std::size_t>(std::count_if(slots_.begin(), slots_.end(), [](const Slot& slot) {
          return slot.phase == Phase::kRunning;
        }));
    s.connect_allowed = counter("connect/allowed");
    s.connect_denied = counter("connect/denied");
    s.publish_denied = counter("publish/denied");
    s.kicks = counter("kick/denied");
    s.registry_certificates = counter("registry/certificates");
    s.change_counter = counter("registry/change_counter");
    s.published = ledger_.totals().published;
    s.deliveries = ledger_.totals().deliveries;
    report_.samples.push_back(s);
  }

  long counter(const std::string& name) const {
    const auto found = counters_.find(name);
    return found == counters_.end() ? 0 : found->second;
  }

  void show_progress(Nanos now) {
    const auto& t = ledger_.totals();
    progress_ << fmt::format(
                     "[{:6.0f} s] running {}/{} | published {} delivered {} lost {} against-rules "
                     "{} | revoked {} disabled {} rules {} | drops p50 {:.0f} ms | RSS {} kB\n",
                     static_cast<double>(now - start_) / 1e9,
                     report_.samples.empty() ? 0 : report_.samples.back().connected, slots_.size(),
                     t.published, t.deliveries, t.lost, t.violations, report_.revocations,
                     report_.disables, report_.rule_changes,
                     static_cast<double>(drops_.percentile(0.5)) / 1e6,
                     read_rss_kb(settings_.broker_pid))
              << std::flush;
  }

  void problem(std::string text) {
    if (report_.problems.size() < kProblems) report_.problems.push_back(std::move(text));
  }

  void finish() {
    report_.messages = ledger_.totals();
    report_.drops_measured = drops_.measured();
    report_.drops_missed = drops_.missed();
    report_.drops_over_target = drops_.over(seconds_ns(settings_.drop_target_s));
    report_.drop_p50_ms = static_cast<double>(drops_.percentile(0.5)) / 1e6;
    report_.drop_p99_ms = static_cast<double>(drops_.percentile(0.99)) / 1e6;
    report_.drop_max_ms = static_cast<double>(drops_.max()) / 1e6;
    std::vector<std::pair<double, double>> rss;
    std::vector<std::pair<double, double>> sessions;
    for (const auto& s : report_.samples) {
      rss.emplace_back(s.elapsed_s, static_cast<double>(s.rss_kb));
      sessions.emplace_back(s.elapsed_s, static_cast<double>(s.sessions));
    }
    report_.rss = judge_flatness(rss, settings_.warmup_s, settings_.flat_tolerance);
    report_.sessions = judge_flatness(sessions, settings_.warmup_s, settings_.flat_tolerance);
    if (!settings_.csv_path.empty()) write_csv();
  }

  void write_csv() const {
    std::ofstream csv(settings_.csv_path);
    csv << "elapsed_s,broker_rss_kb,sessions,devices_running,connect_allowed,connect_denied,"
           "publish_denied,kicks,registry_certificates,change_counter,published,delivered\n";
    for (const auto& s : report_.samples) {
      csv << fmt::format("{:.1f},{},{},{},{},{},{},{},{},{},{},{}\n", s.elapsed_s, s.rss_kb,
                         s.sessions, s.connected, s.connect_allowed, s.connect_denied,
                         s.publish_denied, s.kicks, s.registry_certificates, s.change_counter,
                         s.published, s.deliveries);
    }
  }

  const SoakSettings& settings_;
  std::ostream& progress_;
  sim::EventLoop loop_;
  OperatorThread operator_;
  MessageLedger ledger_;
  DropTimes drops_;
  RuleTimeline timeline_;
  std::mt19937_64 random_;
  std::vector<std::unique_ptr<SimulatedDevice>> monitors_;
  std::vector<std::unique_ptr<SimulatedDevice>> graveyard_;  // every client ever made
  std::vector<Slot> slots_;
  std::unordered_map<std::uint64_t, Pending> operations_;
  std::vector<std::pair<Nanos, std::uint32_t>> retry_;
  std::map<std::string, long> counters_;
  SoakReport report_;
  std::size_t ramped_ = 0;
  std::size_t pending_ = 0;
  std::uint64_t next_sequence_ = 1;
  std::uint32_t rounds_started_ = 0;
  std::uint32_t rounds_committed_ = 0;
  bool draining_ = false;
  bool steady_ = false;  // the ramp is over: traffic and churn run
  Nanos start_ = 0;
  Nanos end_ = 0;
  Nanos next_churn_ = 0;
  Nanos next_disconnect_ = 0;
  Nanos next_sample_ = 0;
  Nanos next_progress_ = 0;
};

}  // namespace

bool SoakReport::passed() const {
  return messages.lost == 0 && messages.violations == 0 && drops_missed == 0 &&
         drops_over_target == 0 && admitted_wrongly == 0 && unexpected_drops == 0 &&
         failed_admissions == 0 && operator_failures == 0 && rss.flat && drops_measured > 0;
}

SoakReport run_soak(const SoakSettings& settings, std::ostream& progress) {
  Soak soak(settings, progress);
  return soak.run();
}

std::string describe_soak(const SoakSettings& s, const SoakReport& r) {
  const auto& m = r.messages;
  std::string out = fmt::format(
      "== soak: {} devices, {} s, one publish per {} s each, churn every {} s, {} random "
      "disconnects/s ==\n",
      s.devices, s.duration.count(), s.publish_period_s, s.churn_period_s, s.disconnects_per_s);
  out += fmt::format("ramp:        the fleet connected in {:.1f} s before the soak proper\n",
                     r.ramp_s);
  out += fmt::format(
      "messages:    published {}, accepted (PUBACK) {}, must reach both monitors {}, "
      "deliveries {}\n",
      m.published, m.accepted, m.must_deliver, m.deliveries);
  out += fmt::format(
      "             lost {}, late (after 10 s) {}, delivered against the rules {} (of {} refused "
      "sends), repeats {}\n",
      m.lost, m.late, m.violations, m.forbidden_sent, m.duplicates);
  out += fmt::format(
      "operator:    {} revocations, {} re-enrollments (new CSR signed), {} disable/enable, "
      "{} rule changes, {} command failures\n",
      r.revocations, r.reenrollments, r.disables, r.rule_changes, r.operator_failures);
  out += fmt::format(
      "drops:       {} measured, p50 {:.0f} ms, p99 {:.0f} ms, max {:.0f} ms; {} over the {} s "
      "target, {} missed\n",
      r.drops_measured, r.drop_p50_ms, r.drop_p99_ms, r.drop_max_ms, r.drops_over_target,
      s.drop_target_s, r.drops_missed);
  out += fmt::format(
      "sessions:    {} random disconnects; {} revoked/disabled reconnects refused, {} admitted "
      "wrongly; {} unexpected drops; {} failed admissions\n",
      r.random_disconnects, r.refusals_expected, r.admitted_wrongly, r.unexpected_drops,
      r.failed_admissions);
  out += fmt::format(
      "broker RSS:  {:.0f} kB -> {:.0f} kB after {} s warm-up ({:+.1f} %, limit +{:.0f} %, {} "
      "samples){}\n",
      r.rss.early_mean, r.rss.late_mean, s.warmup_s, r.rss.growth * 100, s.flat_tolerance * 100,
      r.rss.samples, r.rss.flat ? "" : " NOT FLAT");
  out += fmt::format("sessions:    {:.0f} -> {:.0f} ({:+.1f} %)\n", r.sessions.early_mean,
                     r.sessions.late_mean, r.sessions.growth * 100);
  for (const auto& text : r.messages.examples) out += "  " + text + "\n";
  for (const auto& text : r.problems) out += "  " + text + "\n";
  out += fmt::format("soak: {}\n", r.passed() ? "PASS" : "FAIL");
  return out;
}

}  // namespace certacl::soak
