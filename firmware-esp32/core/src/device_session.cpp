#include "certacl_fw/device_session.h"

namespace certacl::fw {
namespace {

using SteadyClock = std::chrono::steady_clock;

std::string act_on(std::string_view command, SessionContext& context, DevicePlatform& platform) {
  const CommandKind kind = parse_command(command);
  switch (kind) {
    case CommandKind::ping:
      return command_reply(command, true, "pong");
    case CommandKind::led_on:
    case CommandKind::led_off:
    case CommandKind::led_toggle: {
      std::string detail;
      const bool done = platform.led(kind, detail);
      return command_reply(command, done, detail);
    }
    case CommandKind::renew_now:
      context.schedule.request_now(wall_clock_now());
      return command_reply(command, true, "renewing");
    case CommandKind::unknown:
      break;
  }
  return command_reply(command, false, "unknown command");
}

}  // namespace

SessionEnd run_device_session(MqttTransport& mqtt, SessionContext& context, int slot,
                              DevicePlatform& platform) {
  const std::string telemetry_topic = context.settings.topic(context.settings.telemetry_topic);
  const auto interval = std::chrono::seconds(context.settings.publish_interval_s);
  auto next_telemetry = SteadyClock::now();
  while (platform.keep_running()) {
    if (SteadyClock::now() >= next_telemetry) {
      if (!mqtt.publish(telemetry_topic, platform.telemetry(slot))) return SessionEnd::lost;
      next_telemetry = SteadyClock::now() + interval;
    }
    const UnixSeconds now = wall_clock_now();
    if (context.schedule.due(now)) {
      if (auto renewed = context.provisioner.renew(context.est, context.rotate_key); renewed) {
        platform.log("renewed slot=" + std::to_string(1 - slot));
        return SessionEnd::renewed;
      } else {
        platform.log("renewal-failed " + renewed.error());
        context.schedule.attempt_failed(now, platform.random());
      }
    }
    auto command = mqtt.next_command(std::chrono::milliseconds(200));
    if (!command) return SessionEnd::lost;
    if (!command.value()) continue;
    platform.log("command=" + *command.value());
    if (!mqtt.publish(telemetry_topic, act_on(*command.value(), context, platform))) {
      return SessionEnd::lost;
    }
  }
  return SessionEnd::stopped;
}

}  // namespace certacl::fw
