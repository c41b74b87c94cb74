// enroll, renew and run: the firmware's life after the factory, on the host.
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "certacl_fw/backoff.h"
#include "certacl_fw/device_command.h"
#include "certacl_fw/device_session.h"
#include "certacl_fw/device_settings.h"
#include "certacl_fw/est_client.h"
#include "certacl_fw/provisioning.h"
#include "certacl_fw/renewal_schedule.h"
#include "certacl_fw_host/factory_csv.h"
#include "certacl_fw_host/https_est_transport.h"
#include "commands.h"

namespace certacl::fw::tool {
namespace {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

void say(const std::string& line) {
  std::cout << line << "\n" << std::flush;
}

Result<DeviceSettings> load_settings(const RunOptions& options) {
  auto values = host::read_factory_csv(options.factory_csv);
  if (!values) return values.status();
  return read_device_settings(
      [&values](std::string_view key) -> std::optional<std::string> {
        const auto found = values.value().find(std::string(key));
        if (found == values.value().end()) return std::nullopt;
        return found->second;
      },
      /*require_wifi=*/false);
}

// Everything enroll/renew/run share: settings, storage, the EST client.
struct Agent {
  Agent(const std::string& directory, const RunOptions& run_options)
      : options(run_options), device(directory) {}

  Status start() {
    auto loaded = load_settings(options);
    if (!loaded) return loaded.status();
    settings = std::move(loaded.value());
    if (auto started = device.start(); !started) return started;
    provisioner = std::make_unique<Provisioner>(device.store, *device.random);
    transport = std::make_unique<host::HttpsEstTransport>(settings.est, settings.ca_certificate_pem,
                                                          milliseconds(options.timeout_ms));
    est = std::make_unique<EstClient>(*transport);
    return Status::success();
  }

  // Enrolls unless the stored credentials already work.
  Status ensure_enrolled() {
    if (provisioner->load_credentials()) return Status::success();
    if (auto installed = provisioner->install_ca_certificate(settings.ca_certificate_pem);
        !installed)
      return installed;
    if (auto enrolled = provisioner->enroll(*est, settings.name, settings.enrollment_token);
        !enrolled)
      return enrolled;
    say("enrolled name=" + settings.name);
    return Status::success();
  }

  std::uint32_t random_u32() {
    std::uint32_t value = 0;
    (void)Random::generate(device.random->context(), reinterpret_cast<unsigned char*>(&value),
                           sizeof(value));
    return value;
  }

  const RunOptions& options;
  Device device;
  DeviceSettings settings;
  std::unique_ptr<Provisioner> provisioner;
  std::unique_ptr<EstTransport> transport;
  std::unique_ptr<EstClient> est;
};

RenewalObserver power_cut_observer() {
  const char* step = std::getenv("CERTACL_DEVICE_POWER_CUT_AFTER");
  if (step == nullptr || *step == '\0') return {};
  const std::string cut_after(step);
  return [cut_after](RenewalStep done) {
    if (renewal_step_name(done) == cut_after) {
      say("power-cut after=" + cut_after);
      std::_Exit(kExitPowerCut);  // no destructors, no flushing of anything but stdout above
    }
  };
}

std::string telemetry(std::uint64_t sequence, int slot) {
  return "{\"seq\":" + std::to_string(sequence) + ",\"slot\":" + std::to_string(slot) + "}";
}

// The core's client as the session's MQTT transport; commands arrive on the one
// subscription the loop made (the command topic).
class HostMqtt final : public MqttTransport {
 public:
  explicit HostMqtt(MqttClient& client) : client_(client) {}
  Status publish(std::string_view topic, std::string_view payload) override {
    return client_.publish(topic, payload, 1);
  }
  Result<std::optional<std::string>> next_command(milliseconds wait) override {
    auto message = client_.receive(wait);
    if (!message) return message.status();
    if (!message.value()) return std::optional<std::string>{};
    return std::optional<std::string>(message.value()->payload);
  }

 private:
  MqttClient& client_;
};

}  // namespace

int enroll(const std::string& directory, const RunOptions& options) {
  Agent agent(directory, options);
  if (auto started = agent.start(); !started) return report(kExitInvalid, started.error());
  if (auto enrolled = agent.ensure_enrolled(); !enrolled) return report(kExitEst, enrolled.error());
  return kExitOk;
}

int renew(const std::string& directory, const RunOptions& options) {
  Agent agent(directory, options);
  if (auto started = agent.start(); !started) return report(kExitInvalid, started.error());
  if (auto renewed = agent.provisioner->renew(*agent.est, options.rotate_key, power_cut_observer());
      !renewed) {
    return report(kExitEst, renewed.error());
  }
  say("renewed slot=" + std::to_string(agent.provisioner->load_credentials().value().slot));
  return kExitOk;
}

int run(const std::string& directory, const RunOptions& options) {
  Agent agent(directory, options);
  if (auto started = agent.start(); !started) return report(kExitInvalid, started.error());
  const auto deadline = SteadyClock::now() + std::chrono::seconds(options.seconds);
  Backoff reconnect(BackoffPolicy{milliseconds(200), milliseconds(5'000), milliseconds(10'000)});
  RenewalSchedule schedule;
  int renewals = 0;
  std::uint64_t sequence = 0;

  while (SteadyClock::now() < deadline) {
    if (auto enrolled = agent.ensure_enrolled(); !enrolled) {
      report(kExitEst, enrolled.error());
    } else if (auto credentials = agent.provisioner->load_credentials(); credentials) {
      const int slot = credentials.value().slot;
      auto validity = certificate_validity(credentials.value().certificate_pem);
      if (validity) schedule.start(validity.value(), agent.random_u32());
      BrokerOptions broker{agent.settings.broker.host, agent.settings.broker.port,
                           agent.settings.broker.host, options.timeout_ms};
      int exit_code = kExitOk;
      const auto session_start = SteadyClock::now();
      auto connection = connect_device(agent.device, broker, &exit_code);
      SessionEnd end = SessionEnd::lost;
      if (connection) {
        auto& mqtt = connection->mqtt();
        const std::string command_topic = agent.settings.topic(agent.settings.command_topic);
        if (auto granted = mqtt.subscribe(command_topic, 1); !granted) {
          report(kExitMqtt, "cannot subscribe to " + command_topic + ": " + granted.error());
        } else {
          say("connected slot=" + std::to_string(slot));
          HostMqtt transport(mqtt);
          SessionContext context{agent.settings, *agent.provisioner, *agent.est, schedule,
                                 options.rotate_key};
          DevicePlatform platform;
          platform.telemetry = [&sequence](int active) { return telemetry(++sequence, active); };
          platform.led = [](CommandKind, std::string& detail) {
            detail = "no LED on the host";
            return true;
          };
          platform.keep_running = [&deadline] { return SteadyClock::now() < deadline; };
          platform.log = say;
          platform.random = [&agent] { return agent.random_u32(); };
          end = run_device_session(transport, context, slot, platform);
          if (end == SessionEnd::renewed) ++renewals;
        }
        connection->close();
      }
      if (options.exit_after_renewals > 0 && renewals >= options.exit_after_renewals)
        return kExitOk;
      if (end == SessionEnd::stopped) break;
      if (end == SessionEnd::renewed) continue;  // reconnect at once with the new certificate
      say("disconnected");
      reconnect.session_ended(
          std::chrono::duration_cast<milliseconds>(SteadyClock::now() - session_start));
    } else {
      report(kExitInvalid, credentials.error());
    }
    const auto delay = reconnect.next_delay(agent.random_u32());
    std::this_thread::sleep_for(
        std::min<SteadyClock::duration>(delay, deadline - SteadyClock::now()));
  }
  return kExitOk;
}

}  // namespace certacl::fw::tool
