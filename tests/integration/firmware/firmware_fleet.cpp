#include "firmware_fleet.h"

#include "certacl_test/process.h"

namespace certacl::fw::test {

void FirmwareFleet::SetUp() {
  ca.add_role("sensor");
  ca.allow("sensor", "publish", "factory/%u/#");
  ca.allow("sensor", "subscribe", "cmd/%u");
  ca.add_role("watcher");
  ca.allow("watcher", "subscribe", "factory/#");
  ca.allow("watcher", "publish", "cmd/#");
  ca.add_device("sensor-7", "sensor");
  ca.add_device("watcher-1", "watcher");
  watcher_certificate = ca.enroll("watcher-1");
  ASSERT_FALSE(HasFailure()) << "the CA could not be set up";
}

void FirmwareFleet::start_broker() {
  certacl::test::BrokerSettings settings;
  settings.cafile = ca.ca_cert_path();
  settings.certfile = ca.server_cert_path();
  settings.keyfile = ca.server_key_path();
  // A short poll so a revocation reaches the broker quickly.
  settings.plugin_options = {{"db", ca.db_path()}, {"poll_interval_ms", "50"}};
  broker = std::make_unique<certacl::test::BrokerFixture>(settings);
  ASSERT_TRUE(broker->start()) << broker->log();

  certacl::test::MqttClientSettings client;
  client.port = broker->port();
  client.client_id = "watcher-1";
  client.cafile = ca.ca_cert_path();
  client.certfile = watcher_certificate.cert_path;
  client.keyfile = watcher_certificate.key_path;
  watcher = std::make_unique<certacl::test::MqttTestClient>(client);
  const auto connected = watcher->connect();
  ASSERT_TRUE(connected.connected)
      << "watcher: connack " << connected.connack << " " << connected.error << "\n"
      << broker->log();
  const auto granted = watcher->subscribe("factory/#", 1);
  ASSERT_TRUE(granted.has_value());
  ASSERT_EQ(granted->at(0), 1);
}

std::string FirmwareFleet::sign(const std::string& csr_pem, const std::string& label) {
  const std::string csr_path = scratch.file(label + ".csr");
  const std::string certificate_path = scratch.file(label + ".pem");
  certacl::test::write_file(csr_path, csr_pem);
  const auto signed_result = ca.run({"sign", "--csr", csr_path, "--out", certificate_path});
  EXPECT_NE(signed_result.out.find("serial="), std::string::npos) << signed_result.out;
  return signed_result.exit_code == 0 ? certacl::test::read_file(certificate_path) : std::string();
}

}  // namespace certacl::fw::test
