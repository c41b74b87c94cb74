// seeds: the hand-run demonstrations certacl replaces, now over mTLS with the plugin.
//   sensor1 -> dashboard1 readings; client_a subscribes while client_b publishes on a test
//   topic; a Raspberry Pi gateway with ESP32-class sensors on per-device topics.

#include <fmt/format.h>

#include <algorithm>
#include <memory>

#include "engine/latency_recorder.h"
#include "engine/rate_pacer.h"
#include "engine/telemetry_payload.h"
#include "provision/fleet_provisioner.h"
#include "scenario/connect_outcome.h"
#include "scenario/scenario_settings.h"

namespace certacl::sim {
namespace {

const std::vector<std::string> kEspSensors{"esp32-01", "esp32-02", "esp32-03"};

void provision_roles(FleetProvisioner& fleet) {
  fleet.ensure_role("sim-sensor", {{"allow", "publish", "sensors/%u/#"},
                                   {"allow", "subscribe", "commands/%u/#"}});
  fleet.ensure_role("sim-dashboard", {{"allow", "subscribe", "sensors/#"}});
  fleet.ensure_role("sim-test-client",
                    {{"allow", "publish", "test/topic"}, {"allow", "subscribe", "test/topic"}});
  fleet.ensure_role("sim-gateway",
                    {{"allow", "subscribe", "sensors/#"}, {"allow", "publish", "commands/#"}});
}

struct SeedFleet {
  std::vector<std::unique_ptr<SimulatedDevice>> devices;
  SimulatedDevice* add(FleetProvisioner& fleet, const ScenarioSettings& settings,
                       const std::string& name, const std::string& role) {
    fleet.ensure_device(name, role);
    auto issued = fleet.issue(name);
    devices.push_back(std::make_unique<SimulatedDevice>(issued.credentials, settings.broker));
    return devices.back().get();
  }
  std::vector<SimulatedDevice*> all() const {
    std::vector<SimulatedDevice*> result;
    for (const auto& d : devices) result.push_back(d.get());
    return result;
  }
};

std::string ratio(std::size_t got, std::size_t wanted) {
  return fmt::format("{}/{}", got, wanted);
}

}  // namespace

ScenarioReport run_seeds(const ScenarioSettings& settings) {
  ScenarioReport report("seeds");
  CertificateAuthorityCli ca(settings.ca_bin, settings.ca_db);
  FleetProvisioner fleet(ca, settings.workdir);
  SeedFleet seed;
  SimulatedDevice* sensor1 = nullptr;
  SimulatedDevice* dashboard1 = nullptr;
  SimulatedDevice* client_a = nullptr;
  SimulatedDevice* client_b = nullptr;
  SimulatedDevice* gateway = nullptr;
  std::vector<SimulatedDevice*> esp;
  try {
    provision_roles(fleet);
    sensor1 = seed.add(fleet, settings, "sensor1", "sim-sensor");
    dashboard1 = seed.add(fleet, settings, "dashboard1", "sim-dashboard");
    client_a = seed.add(fleet, settings, "client_a", "sim-test-client");
    client_b = seed.add(fleet, settings, "client_b", "sim-test-client");
    gateway = seed.add(fleet, settings, "pi-gateway", "sim-gateway");
    for (const auto& name : kEspSensors)
      esp.push_back(seed.add(fleet, settings, name, "sim-sensor"));
  } catch (const std::exception& error) {
    report.setup_failed(error.what());
    return report;
  }

  EventLoop loop;
  const auto everyone = seed.all();
  connect_admitted(loop, everyone, settings.wait_limit);
  const auto connected =
      static_cast<std::size_t>(std::count_if(everyone.begin(), everyone.end(), [](auto* d) {
        return d->state() == SessionState::kConnected;
      }));
  std::string failures;
  for (auto* d : everyone) {
    if (d->state() != SessionState::kConnected) {
      failures += fmt::format("; {}: {}", d->name(), d->describe_outcome());
    }
  }
  report.add("seed devices connect over mTLS", ratio(everyone.size(), everyone.size()),
             ratio(connected, everyone.size()) + failures, connected == everyone.size());
  if (connected != everyone.size()) return report;

  // Subscriptions first, each confirmed, so no reading is published before its reader.
  std::vector<std::pair<SimulatedDevice*, std::string>> subscriptions{
      {dashboard1, "sensors/sensor1/#"}, {client_a, "test/topic"}, {gateway, "sensors/#"}};
  for (std::size_t i = 0; i < esp.size(); ++i) {
    subscriptions.emplace_back(esp[i], fmt::format("commands/{}/#", kEspSensors[i]));
  }
  std::size_t granted = 0;
  std::string refused;
  for (auto& [device, filter] : subscriptions) {
    const auto mid = device->subscribe(filter, settings.qos);
    const int qos = mid ? wait_for_suback(loop, *device, *mid, settings.wait_limit) : -1;
    if (qos >= 0 && qos < 0x80) {
      ++granted;
    } else {
      refused += fmt::format("; {} '{}': {}", device->name(), filter, describe_suback(qos));
    }
  }
  report.add("seed subscriptions granted", ratio(subscriptions.size(), subscriptions.size()),
             ratio(granted, subscriptions.size()) + refused, granted == subscriptions.size());

  const auto messages = static_cast<std::size_t>(settings.messages);
  LatencyRecorder latency;
  dashboard1->on_message = [&](SimulatedDevice&, const mosquitto_message& message) {
    const auto stamp = decode_telemetry(std::string_view(
        static_cast<const char*>(message.payload), static_cast<std::size_t>(message.payloadlen)));
    if (stamp) latency.record(steady_now_ns() - stamp->sent_ns);
  };
  // Every sensor publishes its readings at the set rate, on the event loop.
  const RatePacer pacer(settings.readings_per_second);
  const auto publishing_started = SteadyClock::now();
  std::size_t published = 0;
  loop.run_until([&] { return published >= messages; },
                 settings.wait_limit +
                     std::chrono::duration_cast<std::chrono::milliseconds>(pacer.due_at(messages)),
                 [&] {
                   const auto due = pacer.allowed(SteadyClock::now() - publishing_started);
                   for (; published < messages && published < due; ++published) {
                     const auto reading = [&] {
                       return encode_telemetry({published, steady_now_ns()}, 64);
                     };
                     sensor1->publish("sensors/sensor1/temperature", reading(), settings.qos);
                     client_b->publish("test/topic", reading(), settings.qos);
                     for (std::size_t i = 0; i < esp.size(); ++i) {
                       esp[i]->publish(fmt::format("sensors/{}/temperature", kEspSensors[i]),
                                       reading(), settings.qos);
                     }
                   }
                   return std::chrono::milliseconds(5);
                 });
  for (const auto& name : kEspSensors) {
    gateway->publish(fmt::format("commands/{}/set", name), "{\"interval_s\":10}", settings.qos);
  }

  const auto esp_readings_at_gateway = [&] {
    std::size_t total = 0;
    for (const auto& name : kEspSensors) {
      total += count_on_topic(*gateway, fmt::format("sensors/{}/temperature", name));
    }
    return total;
  };
  const auto commands_delivered = [&] {
    return static_cast<std::size_t>(
        std::count_if(esp.begin(), esp.end(), [](auto* d) { return d->received_count() >= 1; }));
  };
  loop.run_until(
      [&] {
        return dashboard1->received_count() >= messages && client_a->received_count() >= messages &&
               esp_readings_at_gateway() >= messages * esp.size() &&
               commands_delivered() == esp.size();
      },
      settings.wait_limit);

  const auto at_dashboard = count_on_topic(*dashboard1, "sensors/sensor1/temperature");
  report.add("sensor1 readings reach dashboard1", ratio(messages, messages),
             ratio(at_dashboard, messages), at_dashboard == messages);
  const auto at_client_a = count_on_topic(*client_a, "test/topic");
  report.add("client_b -> client_a on test/topic", ratio(messages, messages),
             ratio(at_client_a, messages), at_client_a == messages);
  const auto at_gateway = esp_readings_at_gateway();
  report.add("ESP32 readings reach pi-gateway", ratio(messages * esp.size(), messages * esp.size()),
             ratio(at_gateway, messages * esp.size()), at_gateway == messages * esp.size());
  const auto commanded = commands_delivered();
  report.add("pi-gateway commands reach each ESP32", ratio(esp.size(), esp.size()),
             ratio(commanded, esp.size()), commanded == esp.size());

  std::size_t dropped = 0;
  for (auto* d : everyone) dropped += d->state() == SessionState::kConnected ? 0 : 1;
  report.add("seed devices still connected", "0 dropped", fmt::format("{} dropped", dropped),
             dropped == 0);
  const auto summary = latency.summary();
  if (summary.count > 0) report.measure("sensor1->dashboard1 latency p50", summary.p50_ms, "ms");
  for (auto* d : everyone) {
    report.device_activity(d->name(), d->describe_outcome(), d->sent_count(), d->received_count(),
                           d->refused_subscriptions());
    d->disconnect();
  }
  loop.run_for(std::chrono::milliseconds(50));
  return report;
}

}  // namespace certacl::sim
