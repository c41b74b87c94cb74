// The session loop shared by the chip and the host, against a scripted MQTT transport and the
// in-process EST peer.
#include "certacl_fw/device_session.h"

#include <gtest/gtest.h>

#include <deque>
#include <vector>

#include "est_test_peer.h"
#include "firmware_test_support.h"

namespace certacl::fw {
namespace {

class ScriptedMqtt final : public MqttTransport {
 public:
  Status publish(std::string_view topic, std::string_view payload) override {
    if (fail_publish) return Status::failure("connection lost");
    published.emplace_back(std::string(topic), std::string(payload));
    return Status::success();
  }
  Result<std::optional<std::string>> next_command(std::chrono::milliseconds) override {
    if (commands.empty()) {
      if (lose_when_idle) return Status::failure("connection lost");
      return std::optional<std::string>{};
    }
    auto command = commands.front();
    commands.pop_front();
    return std::optional<std::string>(command);
  }
  bool replied(const std::string& text) const {
    for (const auto& [topic, payload] : published) {
      if (topic == "factory/sensor-7/telemetry" && payload.find(text) != std::string::npos)
        return true;
    }
    return false;
  }
  std::deque<std::string> commands;
  std::vector<std::pair<std::string, std::string>> published;
  bool fail_publish = false;
  bool lose_when_idle = true;
};

class FirmwareDeviceSession : public ::testing::Test {
 protected:
  void SetUp() override {
    settings.name = "sensor-7";
    ASSERT_TRUE(provisioner.install_ca_certificate(ca.certificate_pem()).ok());
    ASSERT_TRUE(provisioner.enroll(est, "sensor-7", "t").ok());
    schedule.start(Validity{wall_clock_now() - 10, wall_clock_now() + 86400}, 0);
    platform.telemetry = [](int slot) { return "{\"slot\":" + std::to_string(slot) + "}"; };
    platform.led = [this](CommandKind kind, std::string& detail) {
      led_commands.push_back(kind);
      detail = "done";
      return true;
    };
    platform.keep_running = [this] { return ++rounds < 50; };
    platform.log = [this](const std::string& line) { log.push_back(line); };
    platform.random = [] { return 7u; };
  }
  SessionEnd run() {
    SessionContext context{settings, provisioner, est, schedule, true};
    return run_device_session(mqtt, context, 0, platform);
  }

  std::unique_ptr<Random> random = test::make_random();
  test::MemoryStore store;
  Provisioner provisioner{store, *random};
  test::TestCa ca;
  test::EstTestPeer peer{ca, "sensor-7", "t"};
  EstClient est{peer};
  DeviceSettings settings;
  RenewalSchedule schedule;
  DevicePlatform platform;
  ScriptedMqtt mqtt;
  std::vector<CommandKind> led_commands;
  std::vector<std::string> log;
  int rounds = 0;
};

TEST_F(FirmwareDeviceSession, AnswersCommandsThenEndsWhenTheConnectionIsLost) {
  mqtt.commands = {"ping", "led on", "reboot"};
  EXPECT_EQ(run(), SessionEnd::lost);
  EXPECT_TRUE(mqtt.replied("{\"slot\":0}"));
  EXPECT_TRUE(mqtt.replied(R"({"command":"ping","ok":true,"detail":"pong"})"));
  EXPECT_TRUE(mqtt.replied(R"({"command":"reboot","ok":false,"detail":"unknown command"})"));
  EXPECT_EQ(led_commands, std::vector<CommandKind>{CommandKind::led_on});
}

TEST_F(FirmwareDeviceSession, RenewNowRenewsAndEndsTheSessionForAReconnect) {
  mqtt.commands = {"renew-now"};
  EXPECT_EQ(run(), SessionEnd::renewed);
  EXPECT_EQ(provisioner.load_credentials().value().slot, 1);
  EXPECT_NE(std::find(log.begin(), log.end(), "renewed slot=1"), log.end());
}

TEST_F(FirmwareDeviceSession, AFailedRenewalIsRetriedLaterAndTheSessionGoesOn) {
  peer.unreachable = true;
  mqtt.lose_when_idle = false;
  schedule.request_now(wall_clock_now());
  EXPECT_EQ(run(), SessionEnd::stopped);
  EXPECT_GT(schedule.due_at(), wall_clock_now());
  EXPECT_EQ(provisioner.load_credentials().value().slot, 0);
}

TEST_F(FirmwareDeviceSession, APublishFailureEndsTheSession) {
  mqtt.fail_publish = true;
  EXPECT_EQ(run(), SessionEnd::lost);
}

}  // namespace
}  // namespace certacl::fw
