#pragma once
// One connected session of the device, the same on the chip and the host: telemetry every
// interval, commands acted on and answered, and the certificate renewed when the schedule
// says so (then the caller reconnects with the new one). Only the MQTT stack and a few
// platform hooks differ.

#include <chrono>
#include <functional>
#include <string>

#include "certacl_fw/device_command.h"
#include "certacl_fw/device_settings.h"
#include "certacl_fw/est_client.h"
#include "certacl_fw/mqtt_transport.h"
#include "certacl_fw/provisioning.h"
#include "certacl_fw/renewal_schedule.h"

namespace certacl::fw {

struct DevicePlatform {
  // The telemetry payload for the credentials in `slot`.
  std::function<std::string(int slot)> telemetry;
  // Acts on a led command; the reply detail, and whether it was done.
  std::function<bool(CommandKind kind, std::string& detail)> led;
  // Called at least once per second (feed the watchdog); false ends the session.
  std::function<bool()> keep_running;
  // One line per event ("renewed slot=1", "command=ping", ...).
  std::function<void(const std::string& line)> log;
  std::function<std::uint32_t()> random;
};

enum class SessionEnd { lost, renewed, stopped };

struct SessionContext {
  const DeviceSettings& settings;
  Provisioner& provisioner;
  EstClient& est;
  RenewalSchedule& schedule;
  bool rotate_key = true;
};

SessionEnd run_device_session(MqttTransport& mqtt, SessionContext& context, int slot,
                              DevicePlatform& platform);

}  // namespace certacl::fw
