#pragma once
// Small waits and verdicts the scenarios share.

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "engine/event_loop.h"
#include "engine/simulated_device.h"

namespace certacl::sim {

// Refused at either layer: TLS (bad chain, no certificate, expired) or CONNACK.
[[nodiscard]] bool was_refused(const SimulatedDevice& device) noexcept;

// Starts every device's connect and waits until each has an answer (or `limit` passes).
void connect_all(EventLoop& loop, const std::vector<SimulatedDevice*>& devices,
                 std::chrono::milliseconds limit);

// Connects devices that should be admitted. The plugin adopts registry changes on its
// tick, so a device enrolled a moment ago may be refused (CONNACK 5) until then: refused
// devices are retried every 100 ms until `limit`. Devices that stay refused stay so.
void connect_admitted(EventLoop& loop, const std::vector<SimulatedDevice*>& devices,
                      std::chrono::milliseconds limit);

// Waits until `device` has received at least `count` messages.
bool wait_for_messages(EventLoop& loop, const SimulatedDevice& device, std::size_t count,
                       std::chrono::milliseconds limit);

// Waits for the SUBACK of `mid`; returns the granted QoS (0x80 = refused) or -1.
int wait_for_suback(EventLoop& loop, const SimulatedDevice& device, int mid,
                    std::chrono::milliseconds limit);

// Messages `device` received on `topic` (exact).
[[nodiscard]] std::size_t count_on_topic(const SimulatedDevice& device, const std::string& topic);

[[nodiscard]] std::string describe_suback(int granted_qos);

}  // namespace certacl::sim
