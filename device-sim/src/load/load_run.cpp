#include "load/load_run.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <ostream>
#include <queue>
#include <stdexcept>
#include <vector>

#include "engine/event_loop.h"
#include "engine/process_limits.h"
#include "engine/rate_pacer.h"
#include "engine/telemetry_payload.h"
#include "provision/fleet_provisioner.h"
#include "scenario/connect_outcome.h"

namespace certacl::sim {
namespace {

using std::chrono::milliseconds;
constexpr auto kProgressPeriod = std::chrono::seconds(1);
constexpr auto kConnectStall = std::chrono::seconds(30);
constexpr auto kConnectCeiling = std::chrono::minutes(30);
constexpr auto kShutdownLimit = milliseconds(2000);
constexpr auto kAdoptionLimit = milliseconds(10000);

struct DuePublish {
  TimePoint due;
  std::uint32_t device;
  bool operator>(const DuePublish& other) const noexcept { return due > other.due; }
};

class LoadRun {
 public:
  LoadRun(const LoadSettings& settings, std::vector<DeviceCredentials> credentials,
          const LoadHooks& hooks)
      : settings_(settings),
        credentials_(std::move(credentials)),
        hooks_(hooks),
        pacer_(settings.connect_rate),
        period_(std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(
            settings.publish_rate > 0 ? 1.0 / settings.publish_rate : 1e9))) {
    devices_.reserve(credentials_.size());
  }

  LoadResult run() {
    result_.devices = credentials_.size();
    start_ = SteadyClock::now();
    wait_until_fleet_adopted();
    start_ = SteadyClock::now();
    last_progress_ = start_;
    connect_phase();
    wait_for_fleet();
    publish_phase();
    shutdown();
    result_.never_answered = result_.devices - started_ + pending_;
    result_.latency = result_.histogram.summary();
    return result_;
  }

 private:
  // The broker adopts registry changes on its tick; the last device provisioned is admitted
  // only once every earlier one is, so it is the probe that the fleet is known to the broker.
  void wait_until_fleet_adopted() {
    probe_ = std::make_unique<SimulatedDevice>(credentials_.back(), settings_.broker);
    connect_admitted(loop_, {probe_.get()}, kAdoptionLimit);
    if (probe_->state() != SessionState::kConnected) {
      note_error(fmt::format("probe {}: {}", probe_->name(), probe_->describe_outcome()));
    }
    probe_->disconnect();
    loop_.run_until([&] { return mosquitto_socket(probe_->handle()) < 0; }, kShutdownLimit);
  }

  // The ramp ends when every device has an answer. It is bounded by progress, not by a
  // fixed time: it gives up once no device has been answered for kConnectStall (a
  // broker that stopped answering), or at kConnectCeiling in any case.
  void connect_phase() {
    phase_ = "connecting";
    last_answer_ = SteadyClock::now();
    loop_.run_until(
        [&] {
          const bool answered = started_ == credentials_.size() && pending_ == 0;
          const bool subscribed = ready_.size() + result_.subscribe_refused >= result_.connected;
          return (answered && subscribed) || SteadyClock::now() - last_answer_ > kConnectStall;
        },
        kConnectCeiling,
        [&] {
          start_due_connects();
          show_progress();
          return milliseconds(5);
        });
    const auto end = last_connack_ > start_ ? last_connack_ : SteadyClock::now();
    result_.connect_seconds = std::chrono::duration<double>(end - start_).count();
    if (result_.connect_seconds > 0) {
      result_.connections_per_second =
          static_cast<double>(result_.connected) / result_.connect_seconds;
    }
  }

  // With workers, every process holds its connections until the whole fleet is connected,
  // so the fleet is concurrent and publishes in one window.
  void wait_for_fleet() {
    if (!hooks_.may_publish) return;
    phase_ = "waiting";
    show_progress(true);  // the parent sees at once that this slice is connected
    loop_.run_until([&] { return hooks_.may_publish(); }, kConnectCeiling,
                    [&] {
                      show_progress();
                      return milliseconds(20);
                    });
  }

  void publish_phase() {
    publish_start_ = SteadyClock::now();
    publish_end_ = publish_start_ + settings_.duration;
    // Spread first publishes over one period (golden-ratio phases) so the fleet does not
    // publish in lockstep.
    for (std::uint32_t i = 0; i < ready_.size(); ++i) {
      const double phase = std::fmod(static_cast<double>(i) * 0.6180339887, 1.0);
      schedule_.push(
          {publish_start_ + std::chrono::duration_cast<SteadyClock::duration>(period_ * phase),
           ready_[i]});
    }
    phase_ = "publishing";
    publishing_ = true;
    show_progress(true);
    const auto limit =
        std::chrono::duration_cast<milliseconds>(settings_.duration) + settings_.drain_limit;
    loop_.run_until(
        [&] {
          const auto now = SteadyClock::now();
          return now >= publish_end_ && result_.delivered >= result_.sent;
        },
        limit, [&] { return publish_due(); });
    const auto last = last_delivery_ > publish_start_ ? last_delivery_ : SteadyClock::now();
    result_.publish_seconds = std::chrono::duration<double>(last - publish_start_).count();
    if (result_.publish_seconds > 0) {
      result_.messages_per_second =
          static_cast<double>(result_.delivered) / result_.publish_seconds;
    }
    show_progress(true);
  }

  void shutdown() {
    phase_ = "closing";
    for (auto& device : devices_) device->disconnect();
    loop_.run_until(
        [&] {
          for (auto& device : devices_) {
            if (mosquitto_socket(device->handle()) >= 0) return false;
          }
          return true;
        },
        kShutdownLimit);
  }

  void start_due_connects() {
    const auto allowed = pacer_.allowed(SteadyClock::now() - start_);
    while (started_ < credentials_.size() && started_ < allowed &&
           pending_ < settings_.max_pending_connects) {
      const auto index = static_cast<std::uint32_t>(started_++);
      auto device = std::make_unique<SimulatedDevice>(credentials_[index], settings_.broker, 60);
      device->keep_messages = false;
      wire(*device, index);
      loop_.add(*device);
      devices_.push_back(std::move(device));
      ++pending_;
      devices_.back()->start_connect();
    }
  }

  void wire(SimulatedDevice& device, std::uint32_t index) {
    const auto topic = fmt::format("load/{}/echo", device.name());
    device.on_connected = [this, topic](SimulatedDevice& d) { d.subscribe(topic, settings_.qos); };
    device.on_subscribed = [this, index](SimulatedDevice&, int, int granted) {
      last_answer_ = SteadyClock::now();
      if (granted >= 0x80) {
        ++result_.subscribe_refused;
        note_error(fmt::format("{}: subscription to its echo topic refused",
                               credentials_[index].identity));
      } else {
        ready_.push_back(index);
        // A SUBACK that arrives after the ramp still joins the publishing schedule.
        if (publishing_) schedule_.push({SteadyClock::now(), index});
      }
    };
    device.on_message = [this](SimulatedDevice&, const mosquitto_message& message) {
      const auto stamp = decode_telemetry(std::string_view(
          static_cast<const char*>(message.payload), static_cast<std::size_t>(message.payloadlen)));
      if (!stamp) return;
      ++result_.delivered;
      last_delivery_ = SteadyClock::now();
      result_.histogram.record(steady_now_ns() - stamp->sent_ns);
    };
    device.on_state_changed = [this](SimulatedDevice& d, SessionState from) {
      count_transition(d, from);
    };
  }

  void count_transition(SimulatedDevice& device, SessionState from) {
    if (from == SessionState::kConnecting && device.state() != SessionState::kConnecting) {
      --pending_;
      last_answer_ = SteadyClock::now();
    }
    switch (device.state()) {
      case SessionState::kConnected:
        ++result_.connected;
        last_connack_ = SteadyClock::now();
        break;
      case SessionState::kRefused:
        ++result_.refused;
        note_error(fmt::format("{}: {}", device.name(), device.describe_outcome()));
        break;
      case SessionState::kConnectionError:
        ++result_.connection_errors;
        note_error(fmt::format("{}: {}", device.name(), device.describe_outcome()));
        break;
      case SessionState::kDropped:
        ++result_.dropped;
        note_error(fmt::format("{}: {}", device.name(), device.describe_outcome()));
        break;
      default:
        break;
    }
  }

  milliseconds publish_due() {
    const auto now = SteadyClock::now();
    while (!schedule_.empty() && schedule_.top().due <= now) {
      const auto next = schedule_.top();
      schedule_.pop();
      if (next.due >= publish_end_) continue;
      auto& device = *devices_[next.device];
      if (device.state() != SessionState::kConnected) continue;
      const auto payload =
          encode_telemetry({sequence_++, steady_now_ns()}, settings_.payload_bytes);
      if (device.publish(fmt::format("load/{}/echo", device.name()), payload, settings_.qos)) {
        ++result_.sent;
      }
      schedule_.push({next.due + period_, next.device});
    }
    show_progress();
    if (schedule_.empty()) return milliseconds(20);
    // Never negative: epoll_wait takes -1 as "wait forever", and the next publish may have
    // come due while this one ran (a loaded machine); then the loop would sleep until some
    // socket happened to wake it.
    return std::max(milliseconds(0),
                    std::chrono::ceil<milliseconds>(schedule_.top().due - SteadyClock::now()));
  }

  void show_progress(bool force = false) {
    const auto now = SteadyClock::now();
    if (!hooks_.progress || (!force && now - last_progress_ < kProgressPeriod)) return;
    last_progress_ = now;
    LoadProgress progress;
    progress.elapsed_s = std::chrono::duration<double>(now - start_).count();
    progress.phase = phase_;
    progress.devices = result_.devices;
    progress.connected_now = result_.connected - result_.dropped;
    progress.pending = pending_;
    progress.failed = result_.refused + result_.connection_errors + result_.dropped;
    progress.sent = result_.sent;
    progress.delivered = result_.delivered;
    progress.latency = &result_.histogram;
    hooks_.progress(progress);
  }

  void note_error(std::string text) {
    if (result_.first_error.empty()) result_.first_error = std::move(text);
  }

  const LoadSettings& settings_;
  std::vector<DeviceCredentials> credentials_;
  const LoadHooks& hooks_;
  RatePacer pacer_;
  SteadyClock::duration period_;
  std::unique_ptr<SimulatedDevice> probe_;
  EventLoop loop_;
  std::vector<std::unique_ptr<SimulatedDevice>> devices_;
  std::vector<std::uint32_t> ready_;
  std::priority_queue<DuePublish, std::vector<DuePublish>, std::greater<>> schedule_;
  LoadResult result_;
  std::size_t started_ = 0;
  std::size_t pending_ = 0;
  std::uint64_t sequence_ = 0;
  std::string phase_;
  bool publishing_ = false;
  TimePoint start_{};
  TimePoint last_progress_{};
  TimePoint last_connack_{};
  TimePoint last_answer_{};
  TimePoint publish_start_{};
  TimePoint publish_end_{};
  TimePoint last_delivery_{};
};

}  // namespace

std::string load_device_name(const LoadSettings& settings, std::size_t index) {
  const int width = static_cast<int>(std::to_string(settings.devices).size());
  return fmt::format("{}{:0{}}", settings.name_prefix, index, width);
}

DeviceCredentials load_device_credentials(const LoadSettings& settings, std::size_t index) {
  const auto name = load_device_name(settings, index);
  return {name, name, fmt::format("{}/devices/{}.crt", settings.workdir, name),
          fmt::format("{}/devices/{}.key", settings.workdir, name)};
}

void provision_load_fleet(const LoadSettings& settings, std::ostream& progress) {
  CertificateAuthorityCli ca(settings.ca_bin, settings.ca_db);
  FleetProvisioner fleet(ca, settings.workdir);
  fleet.ensure_role("sim-load",
                    {{"allow", "publish", "load/%u/#"}, {"allow", "subscribe", "load/%u/#"}});
  const auto registered = fleet.registered_devices();
  for (std::size_t i = 0; i < settings.devices; ++i) {
    const auto name = load_device_name(settings, i);
    if (!registered.contains(name)) fleet.ensure_device(name, "sim-load");
    fleet.issue_once(name);
    if (settings.progress && (i + 1) % 500 == 0) {
      progress << fmt::format("provisioned {}/{} load devices\n", i + 1, settings.devices)
               << std::flush;
    }
  }
}

LoadResult run_load_slice(const LoadSettings& settings, FleetSlice slice, const LoadHooks& hooks) {
  const auto limit = raise_open_file_limit(descriptors_needed(slice.count));
  if (const auto problem = descriptor_budget_problem(slice.count, limit); !problem.empty()) {
    throw std::runtime_error(problem);
  }
  if (slice.count == 0) throw std::runtime_error("a load run needs at least one device");
  std::vector<DeviceCredentials> credentials;
  credentials.reserve(slice.count);
  for (std::size_t i = slice.first; i < slice.first + slice.count; ++i) {
    credentials.push_back(load_device_credentials(settings, i));
  }
  LoadRun run(settings, std::move(credentials), hooks);
  return run.run();
}

std::string describe_progress(const LoadProgress& p) {
  return fmt::format(
      "[{:6.1f} s] {:<10} connected {}/{} (pending {}, failed {}) | sent {} delivered {} | "
      "p50 {:.2f} ms\n",
      p.elapsed_s, p.phase, p.connected_now, p.devices, p.pending, p.failed, p.sent, p.delivered,
      p.latency ? p.latency->percentile_ms(0.5) : 0.0);
}

}  // namespace certacl::sim
