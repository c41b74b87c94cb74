#include "scenario/connect_outcome.h"

#include <fmt/format.h>

#include <algorithm>

namespace certacl::sim {

bool was_refused(const SimulatedDevice& device) noexcept {
  return device.state() == SessionState::kRefused ||
         device.state() == SessionState::kConnectionError;
}

void connect_all(EventLoop& loop, const std::vector<SimulatedDevice*>& devices,
                 std::chrono::milliseconds limit) {
  for (auto* device : devices) {
    loop.add(*device);
    device->start_connect();
  }
  loop.run_until(
      [&] {
        return std::all_of(devices.begin(), devices.end(), [](auto* d) { return d->settled(); });
      },
      limit);
}

void connect_admitted(EventLoop& loop, const std::vector<SimulatedDevice*>& devices,
                      std::chrono::milliseconds limit) {
  constexpr auto kRetryAfter = std::chrono::milliseconds(100);
  const auto deadline = SteadyClock::now() + limit;
  connect_all(loop, devices, limit);
  const auto finished = [&] {
    return std::all_of(devices.begin(), devices.end(), [](auto* d) {
      return d->settled() && d->state() != SessionState::kRefused;
    });
  };
  loop.run_until(finished,
                 std::chrono::ceil<std::chrono::milliseconds>(deadline - SteadyClock::now()), [&] {
                   const auto now = SteadyClock::now();
                   for (auto* device : devices) {
                     if (device->state() == SessionState::kRefused &&
                         now - device->state_changed_at() >= kRetryAfter) {
                       device->start_connect();
                     }
                   }
                   return kRetryAfter;
                 });
}

bool wait_for_messages(EventLoop& loop, const SimulatedDevice& device, std::size_t count,
                       std::chrono::milliseconds limit) {
  return loop.run_until([&] { return device.received_count() >= count; }, limit);
}

int wait_for_suback(EventLoop& loop, const SimulatedDevice& device, int mid,
                    std::chrono::milliseconds limit) {
  loop.run_until([&] { return device.granted_qos(mid).has_value(); }, limit);
  return device.granted_qos(mid).value_or(-1);
}

std::size_t count_on_topic(const SimulatedDevice& device, const std::string& topic) {
  return static_cast<std::size_t>(std::count_if(device.received().begin(), device.received().end(),
                                                [&](const auto& m) { return m.topic == topic; }));
}

std::string describe_suback(int granted_qos) {
  if (granted_qos < 0) return "no SUBACK";
  if (granted_qos >= 0x80) return fmt::format("SUBACK 0x{:02X} (refused)", granted_qos);
  return fmt::format("SUBACK granted QoS {}", granted_qos);
}

}  // namespace certacl::sim
