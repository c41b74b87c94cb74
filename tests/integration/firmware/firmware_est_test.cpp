// The host-built firmware (certacl-device: the same core as the ESP32 image) against the real
// EST server (`certacl-ca serve`) and the real broker with the certacl plugin: enrollment with
// a one-time token from the factory CSV, commands over MQTT, renewal (scheduled and
// commanded), a broker restart, a power cut after every renewal step, and revocation.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "certacl_test/files.h"
#include "certacl_test/paths.h"
#include "certacl_test/process.h"
#include "firmware_fleet.h"

namespace certacl::fw::test {
namespace {

using namespace std::chrono_literals;
using certacl::test::CommandOptions;
using certacl::test::CommandResult;
using certacl::test::ScopedProcess;

constexpr int kExitPowerCut = 86;

class FirmwareEst : public FirmwareFleet {
 protected:
  void SetUp() override {
    FirmwareFleet::SetUp();
    device_dir = scratch.file("sensor-7");
  }

  void start_est(const std::string& lifetime = "10m") {
    est_port = certacl::test::free_loopback_port();
    est = std::make_unique<ScopedProcess>(
        std::vector<std::string>{certacl::test::ca_binary(), "--db", ca.db_path(), "serve",
                                 "--port", std::to_string(est_port), "--cert",
                                 ca.server_cert_path(), "--key", ca.server_key_path(), "--lifetime",
                                 lifetime,
                                 // The power-cut test renews five times in a row.
                                 "--device-rate", "0"},
        scratch.file("serve.log"));
    ASSERT_TRUE(certacl::test::wait_for_port(est_port, 10'000))
        << certacl::test::read_file(scratch.file("serve.log"));
  }

  std::string token_for(const std::string& device) {
    const CommandResult result = ca.run({"device", "token", device, "--ttl", "1h"});
    const auto at = result.out.find("token=");
    EXPECT_NE(at, std::string::npos) << result.out << result.err;
    return at == std::string::npos ? ""
                                   : result.out.substr(at + 6, result.out.find('\n', at) - at - 6);
  }

  // The factory CSV a real device gets flashed with (nvs_partition_gen format).
  std::string factory_csv(const std::string& name, const std::string& token) {
    certacl::test::write_file(scratch.file("ca.pem"), certacl::test::read_file(ca.ca_cert_path()));
    std::string path = scratch.file(name + "-factory.csv");
    certacl::test::write_file(
        path, "key,type,encoding,value\ncertacl,namespace,,\nname,data,string," + name +
                  "\ntoken,data,string," + token + "\nest_url,data,string,https://localhost:" +
                  std::to_string(est_port) + "\nbroker_url,data,string,mqtts://localhost:" +
                  std::to_string(broker ? broker->port() : 1) +
                  "\nca_cert,file,string,ca.pem\ntelemetry_topic,data,string,factory/%u/telemetry"
                  "\ncommand_topic,data,string,cmd/%u\ninterval_s,data,string,1\n");
    return path;
  }

  CommandResult device(std::vector<std::string> args, const CommandOptions& options = {}) {
    args.insert(args.begin(), {CERTACL_DEVICE_BINARY, "--dir", device_dir});
    return certacl::test::run_command(args, options);
  }

  std::unique_ptr<ScopedProcess> run_device(const std::string& csv, int seconds,
                                            const std::string& log_name) {
    return std::make_unique<ScopedProcess>(
        std::vector<std::string>{CERTACL_DEVICE_BINARY, "--dir", device_dir, "run", "--factory",
                                 csv, "--seconds", std::to_string(seconds), "--timeout-ms", "5000"},
        scratch.file(log_name));
  }

  // Bounded wait for `count` occurrences of `text` in a log file.
  bool wait_for_text(const std::string& log, const std::string& text, int count,
                     std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (occurrences(log, text) >= count) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }
  int occurrences(const std::string& log, const std::string& text) {
    const std::string path = scratch.file(log);
    if (!certacl::test::file_exists(path)) return 0;
    const std::string contents = certacl::test::read_file(path);
    int found = 0;
    for (auto at = contents.find(text); at != std::string::npos; at = contents.find(text, at + 1))
      ++found;
    return found;
  }
  std::string log_of(const std::string& log) {
    const std::string path = scratch.file(log);
    return certacl::test::file_exists(path) ? certacl::test::read_file(path) : "";
  }

  // Publishes with the stored credentials; the plugin sees a new certificate only after its
  // next poll (50 ms here), so a refusal is retried a bounded number of times.
  CommandResult publish_once() {
    CommandResult result;
    for (int attempt = 0; attempt < 20; ++attempt) {
      result = device({"publish", "--port", std::to_string(broker->port()), "--topic",
                       "factory/sensor-7/telemetry", "--message", "alive", "--timeout-ms", "5000"});
      if (result.exit_code == 0) break;
      std::this_thread::sleep_for(100ms);
    }
    return result;
  }

  // The watcher's ping to the device and the device's "pong" reply.
  bool answers_ping() {
    for (int attempt = 0; attempt < 20; ++attempt) {
      if (!watcher->publish("cmd/sensor-7", "ping", 1)) continue;
      const auto deadline = std::chrono::steady_clock::now() + 1s;
      while (std::chrono::steady_clock::now() < deadline) {
        auto reply = watcher->wait_for_message("factory/sensor-7/telemetry", 200ms);
        if (reply && reply->payload.find("\"detail\":\"pong\"") != std::string::npos) return true;
      }
    }
    return false;
  }

  std::string device_dir;
  int est_port = 0;
  std::unique_ptr<ScopedProcess> est;
};

TEST_F(FirmwareEst, EnrollsWithTheFactoryTokenConnectsAndAnswersCommands) {
  start_est();
  start_broker();
  const std::string csv = factory_csv("sensor-7", token_for("sensor-7"));
  const CommandResult enrolled = device({"enroll", "--factory", csv});
  ASSERT_EQ(enrolled.exit_code, 0) << enrolled.err;
  EXPECT_NE(enrolled.out.find("enrolled name=sensor-7"), std::string::npos);
  EXPECT_EQ(certacl::test::file_mode(device_dir + "/device_key.pem"), 0600u);

  auto running = run_device(csv, 60, "run.log");
  ASSERT_TRUE(wait_for_text("run.log", "connected slot=0", 1, 20s)) << log_of("run.log");
  EXPECT_TRUE(answers_ping()) << log_of("run.log");
  ASSERT_TRUE(watcher->publish("cmd/sensor-7", "reboot", 1));
  EXPECT_TRUE(wait_for_text("run.log", "command=reboot", 1, 5s));
  running.reset();
}

TEST_F(FirmwareEst, ATokenEnrollsOnceAndAWrongOneNever) {
  start_est();
  const std::string token = token_for("sensor-7");
  const CommandResult wrong = device({"enroll", "--factory", factory_csv("sensor-7", "not-it")});
  EXPECT_EQ(wrong.exit_code, 6);
  EXPECT_NE(wrong.err.find("HTTP 401"), std::string::npos) << wrong.err;
  EXPECT_FALSE(certacl::test::file_exists(device_dir + "/device_cert.pem"));

  ASSERT_EQ(device({"enroll", "--factory", factory_csv("sensor-7", token)}).exit_code, 0);
  device_dir = scratch.file("clone");
  const CommandResult again = device({"enroll", "--factory", factory_csv("sensor-7", token)});
  EXPECT_EQ(again.exit_code, 6);
  EXPECT_NE(again.err.find("HTTP 401"), std::string::npos) << again.err;
}

TEST_F(FirmwareEst, RefusesAnEstServerItsCaCertificateDoesNotVouchFor) {
  start_est();
  const std::string csv = factory_csv("sensor-7", token_for("sensor-7"));
  certacl::test::CaFixture stranger("stranger CA");
  certacl::test::write_file(scratch.file("ca.pem"),
                            certacl::test::read_file(stranger.ca_cert_path()));
  const CommandResult enrolled = device({"enroll", "--factory", csv});
  EXPECT_EQ(enrolled.exit_code, 6);
  EXPECT_NE(enrolled.err.find("not trusted"), std::string::npos) << enrolled.err;
  EXPECT_FALSE(certacl::test::file_exists(device_dir + "/device_cert.pem"));
}

TEST_F(FirmwareEst, RenewsOnCommandAndReconnectsWithTheNewCertificate) {
  start_est();
  start_broker();
  const std::string csv = factory_csv("sensor-7", token_for("sensor-7"));
  ASSERT_EQ(device({"enroll", "--factory", csv}).exit_code, 0);
  const std::string first_key = certacl::test::read_file(device_dir + "/device_key.pem");
  auto running = run_device(csv, 60, "run.log");
  ASSERT_TRUE(wait_for_text("run.log", "connected slot=0", 1, 20s)) << log_of("run.log");
  ASSERT_TRUE(watcher->publish("cmd/sensor-7", "renew-now", 1));
  ASSERT_TRUE(wait_for_text("run.log", "renewed slot=1", 1, 20s)) << log_of("run.log");
  ASSERT_TRUE(wait_for_text("run.log", "connected slot=1", 1, 20s)) << log_of("run.log");
  EXPECT_TRUE(answers_ping());
  running.reset();
  // A new key, in the other slot; the old credentials are kept.
  EXPECT_NE(certacl::test::read_file(device_dir + "/spare_key.pem"), first_key);
  EXPECT_EQ(certacl::test::read_file(device_dir + "/device_key.pem"), first_key);
  EXPECT_EQ(certacl::test::file_mode(device_dir + "/spare_key.pem"), 0600u);
  const CommandResult listed = ca.run({"cert", "list", "--device", "sensor-7"});
  EXPECT_EQ(listed.out.find("revoked"), std::string::npos) << listed.out;
}

TEST_F(FirmwareEst, RenewsByItselfBeforeAShortLivedCertificateExpires) {
  start_est("1m");  // renewal planned at 40 s ± 3 s
  start_broker();
  const std::string csv = factory_csv("sensor-7", token_for("sensor-7"));
  ASSERT_EQ(device({"enroll", "--factory", csv}).exit_code, 0);
  auto running = run_device(csv, 90, "run.log");
  ASSERT_TRUE(wait_for_text("run.log", "connected slot=0", 1, 20s)) << log_of("run.log");
  ASSERT_TRUE(wait_for_text("run.log", "renewed slot=1", 1, 60s)) << log_of("run.log");
  ASSERT_TRUE(wait_for_text("run.log", "connected slot=1", 1, 15s)) << log_of("run.log");
  EXPECT_TRUE(answers_ping());
}

TEST_F(FirmwareEst, SurvivesABrokerRestart) {
  start_est();
  start_broker();
  const std::string csv = factory_csv("sensor-7", token_for("sensor-7"));
  ASSERT_EQ(device({"enroll", "--factory", csv}).exit_code, 0);
  auto running = run_device(csv, 60, "run.log");
  ASSERT_TRUE(wait_for_text("run.log", "connected slot=0", 1, 20s)) << log_of("run.log");
  watcher.reset();
  broker->stop();
  ASSERT_TRUE(wait_for_text("run.log", "disconnected", 1, 15s)) << log_of("run.log");
  ASSERT_TRUE(broker->start()) << broker->log();
  ASSERT_TRUE(wait_for_text("run.log", "connected slot=0", 2, 20s)) << log_of("run.log");
  certacl::test::MqttClientSettings client;
  client.port = broker->port();
  client.client_id = "watcher-1";
  client.cafile = ca.ca_cert_path();
  client.certfile = watcher_certificate.cert_path;
  client.keyfile = watcher_certificate.key_path;
  watcher = std::make_unique<certacl::test::MqttTestClient>(client);
  ASSERT_TRUE(watcher->connect().connected);
  ASSERT_TRUE(watcher->subscribe("factory/#", 1).has_value());
  EXPECT_TRUE(answers_ping()) << log_of("run.log");
}

// The process is killed right after each renewal step (as a power cut would stop the chip);
// at every point the device must still connect, and renew again afterwards.
TEST_F(FirmwareEst, APowerCutAfterAnyRenewalStepLeavesWorkingCredentials) {
  start_est();
  start_broker();
  const std::string csv = factory_csv("sensor-7", token_for("sensor-7"));
  ASSERT_EQ(device({"enroll", "--factory", csv}).exit_code, 0);
  for (const std::string step :
       {"key-stored", "certificate-received", "certificate-stored", "slot-switched"}) {
    SCOPED_TRACE(step);
    CommandOptions cut;
    cut.environment["CERTACL_DEVICE_POWER_CUT_AFTER"] = step;
    const CommandResult renewal = device({"renew", "--factory", csv}, cut);
    ASSERT_EQ(renewal.exit_code, kExitPowerCut) << renewal.out << renewal.err;
    const CommandResult published = publish_once();
    EXPECT_EQ(published.exit_code, 0) << published.err;
  }
  const CommandResult renewal = device({"renew", "--factory", csv});
  EXPECT_EQ(renewal.exit_code, 0) << renewal.err;
  EXPECT_EQ(publish_once().exit_code, 0);
}

TEST_F(FirmwareEst, IsRefusedAfterRevocationAndCannotRenew) {
  start_est();
  start_broker();
  const std::string csv = factory_csv("sensor-7", token_for("sensor-7"));
  ASSERT_EQ(device({"enroll", "--factory", csv}).exit_code, 0);
  ASSERT_EQ(publish_once().exit_code, 0);
  ca.revoke_device("sensor-7");
  CommandResult refused;
  for (int attempt = 0; attempt < 40; ++attempt) {  // until the plugin's next poll
    refused = device({"publish", "--port", std::to_string(broker->port()), "--topic",
                      "factory/sensor-7/telemetry", "--message", "x", "--timeout-ms", "5000"});
    if (refused.exit_code == 4) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(refused.exit_code, 4) << refused.err;
  const CommandResult renewal = device({"renew", "--factory", csv});
  EXPECT_EQ(renewal.exit_code, 6);
  EXPECT_NE(renewal.err.find("HTTP 403"), std::string::npos) << renewal.err;
}

}  // namespace
}  // namespace certacl::fw::test
