// The firmware core, built for the host, against the real CA and the real broker: it makes
// its key and CSR, gets certacl-ca to sign it, connects with mTLS, publishes, receives a
// command, and is refused once the CA revokes it.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "certacl_fw/device_connection.h"
#include "certacl_fw/provisioning.h"
#include "certacl_fw_host/file_credential_store.h"
#include "certacl_fw_host/host_entropy.h"
#include "firmware_fleet.h"

namespace certacl::fw::test {
namespace {

using namespace std::chrono_literals;

class FirmwareDevice : public FirmwareFleet {
 protected:
  void SetUp() override {
    FirmwareFleet::SetUp();
    if (HasFatalFailure()) return;
    auto created = Random::create(host::kernel_entropy, nullptr, "firmware-integration");
    ASSERT_TRUE(created.ok()) << created.error();
    random = std::move(created.value());
    store = std::make_unique<host::FileCredentialStore>(scratch.file("device"));
  }

  // The device's provisioning, with the operator's step done by certacl-ca.
  void provision(const std::string& name) {
    Provisioner provisioner(*store, *random);
    ASSERT_TRUE(provisioner.create_identity(name).ok());
    auto csr = provisioner.certificate_request();
    ASSERT_TRUE(csr.ok()) << csr.error();
    const std::string certificate = sign(csr.value(), name);
    ASSERT_FALSE(certificate.empty());
    const std::string ca_pem = certacl::test::read_file(ca.ca_cert_path());
    const auto installed = provisioner.install_certificate(certificate, ca_pem);
    ASSERT_TRUE(installed.ok()) << installed.error();
  }

  Result<std::unique_ptr<DeviceConnection>> connect(std::uint8_t* refused_code = nullptr,
                                                    const std::string& server_name = "localhost") {
    Provisioner provisioner(*store, *random);
    auto credentials = provisioner.load_credentials();
    if (!credentials) return credentials.status();
    MqttSettings settings;
    settings.response_timeout = 5s;
    const TlsEndpoint endpoint{"127.0.0.1", static_cast<std::uint16_t>(broker->port()), server_name,
                               5s};
    return DeviceConnection::open(std::make_unique<BsdSocket>(), endpoint,
                                  std::move(credentials.value()), settings, *random, refused_code);
  }

  std::unique_ptr<Random> random;
  std::unique_ptr<host::FileCredentialStore> store;
};

TEST_F(FirmwareDevice, ProvisionsConnectsPublishesAndReceivesCommands) {
  ASSERT_NO_FATAL_FAILURE(provision("sensor-7"));
  ASSERT_NO_FATAL_FAILURE(start_broker());
  EXPECT_EQ(certacl::test::file_mode(store->path_of(CredentialItem::device_key)), 0600u);

  auto connection = connect();
  ASSERT_TRUE(connection.ok()) << connection.error() << "\n" << broker->log();
  MqttClient& mqtt = connection.value()->mqtt();

  auto published = mqtt.publish("factory/sensor-7/temperature", "21.5", 1);
  ASSERT_TRUE(published.ok()) << published.error();
  const auto seen = watcher->wait_for_message("factory/sensor-7/temperature", 5s);
  ASSERT_TRUE(seen.has_value()) << broker->log();
  EXPECT_EQ(seen->payload, "21.5");

  // Another device's topic: the broker acknowledges (MQTT 3.1.1 has no way to say no) but
  // must not deliver. The allowed QoS 0 publish after it arrives later in order, so once
  // it is seen the denied one would have been seen too.
  ASSERT_TRUE(mqtt.publish("factory/sensor-8/temperature", "spoofed", 1).ok());
  ASSERT_TRUE(mqtt.publish("factory/sensor-7/humidity", "40", 0).ok());
  ASSERT_TRUE(watcher->wait_for_message("factory/sensor-7/humidity", 5s).has_value());
  for (const auto& message : watcher->messages()) {
    EXPECT_NE(message.topic, "factory/sensor-8/temperature") << "a denied publish was delivered";
  }

  auto granted = mqtt.subscribe("cmd/sensor-7", 1);
  ASSERT_TRUE(granted.ok()) << granted.error();
  EXPECT_EQ(granted.value(), 1);
  ASSERT_TRUE(watcher->publish("cmd/sensor-7", "reboot", 1));
  auto command = mqtt.receive(5s);
  ASSERT_TRUE(command.ok()) << command.error();
  ASSERT_TRUE(command.value().has_value()) << "no command arrived";
  EXPECT_EQ(command.value()->payload, "reboot");

  EXPECT_TRUE(mqtt.ping().ok());
  connection.value()->close();
}

TEST_F(FirmwareDevice, IsRefusedAfterTheCaRevokesIt) {
  ASSERT_NO_FATAL_FAILURE(provision("sensor-7"));
  ASSERT_NO_FATAL_FAILURE(start_broker());
  {
    auto first = connect();
    ASSERT_TRUE(first.ok()) << first.error() << "\n" << broker->log();
    ASSERT_TRUE(first.value()->mqtt().publish("factory/sensor-7/state", "up", 1).ok());
  }

  ca.revoke_device("sensor-7");
  // The plugin picks the revocation up on its next poll; reconnect (bounded) until it has.
  std::string refusal;
  std::uint8_t code = 0;
  for (int attempt = 0; attempt < 50 && refusal.empty(); ++attempt) {
    auto again = connect(&code);
    if (!again.ok()) {
      refusal = again.error();
      break;
    }
    again.value()->close();
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_FALSE(refusal.empty()) << "the revoked device still connects\n" << broker->log();
  RecordProperty("refusal", refusal);
  const bool refused_by_plugin = code == 5 && refusal.find("(CONNACK 5)") != std::string::npos;
  const bool refused_in_tls = refusal.find("TLS handshake") != std::string::npos;
  EXPECT_TRUE(refused_by_plugin || refused_in_tls) << refusal;
}

TEST_F(FirmwareDevice, RefusesABrokerWithTheWrongName) {
  ASSERT_NO_FATAL_FAILURE(provision("sensor-7"));
  ASSERT_NO_FATAL_FAILURE(start_broker());
  std::uint8_t code = 0;
  auto connection = connect(&code, "broker.example.com");
  ASSERT_FALSE(connection.ok());
  EXPECT_EQ(code, 0);  // never got as far as MQTT
  EXPECT_NE(connection.error().find("broker certificate rejected"), std::string::npos)
      << connection.error();
}

TEST_F(FirmwareDevice, CaRefusesACsrForAnUnregisteredName) {
  Provisioner provisioner(*store, *random);
  ASSERT_TRUE(provisioner.create_identity("sensor-99").ok());
  const std::string csr_path = scratch.file("unregistered.csr");
  certacl::test::write_file(csr_path, provisioner.certificate_request().value());
  const auto result =
      ca.try_run({"sign", "--csr", csr_path, "--out", scratch.file("unregistered.pem")});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_FALSE(certacl::test::file_exists(scratch.file("unregistered.pem")));
  EXPECT_FALSE(provisioner.load_credentials().ok());
}

}  // namespace
}  // namespace certacl::fw::test
