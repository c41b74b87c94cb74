// Every connect-time refusal, through a real broker: CONNACK 5 and one log line naming the
// device, the serial and the reason.
#include <chrono>

#include "plugin_environment.h"

namespace certacl::test {
namespace {

using namespace std::chrono_literals;

class ConnectRefusalTest : public PluginEnvironment {
 protected:
  void expect_refused(const IssuedCertificate& certificate, const std::string& client_id,
                      const std::string& reason) {
    auto mqtt = client(certificate, client_id);
    const ConnectOutcome outcome = mqtt->connect();
    EXPECT_FALSE(outcome.connected) << client_id;
    EXPECT_EQ(outcome.connack, kNotAuthorized) << client_id << " error=" << outcome.error;
    EXPECT_TRUE(broker_->wait_for_log("reason=" + reason))
        << "expected reason '" << reason << "' in:\n"
        << broker_->log();
  }
};

TEST_F(ConnectRefusalTest, ClientIdMustEqualTheIdentity) {
  start_broker();
  expect_refused(dev1_, "dev2", "client id does not match the identity");
  EXPECT_TRUE(broker_->log().find("DENY connect device='dev1' serial=" + dev1_.serial) !=
              std::string::npos)
      << broker_->log();
}

TEST_F(ConnectRefusalTest, PrefixRuleAcceptsIdentityDashAnything) {
  start_broker({{"client_id", "prefix"}});
  auto mqtt = connected(dev1_, "dev1-backup");
  EXPECT_TRUE(mqtt->connected());
  expect_refused(dev1_, "dev1", "client id does not match the identity");
}

TEST_F(ConnectRefusalTest, WildcardInClientIdIsRefusedEvenUnderAny) {
  start_broker({{"client_id", "any"}});
  expect_refused(dev1_, "dev1+#", "client id is not acceptable");
}

TEST_F(ConnectRefusalTest, RevokedCertificateIsRefused) {
  ca_->revoke(dev1_.serial);
  start_broker();
  expect_refused(dev1_, "dev1", "certificate revoked");
}

TEST_F(ConnectRefusalTest, DisabledDeviceIsRefused) {
  ca_->disable("dev1");
  start_broker();
  expect_refused(dev1_, "dev1", "device disabled");
}

TEST_F(ConnectRefusalTest, CertificateTheCaNeverRecordedIsRefused) {
  // Signed with the real CA key (a stolen key, a tampered database): TLS accepts it, the
  // plugin must not.
  const IssuedCertificate forged = ca_->sign_unrecorded("forged", "/CN=dev1");
  start_broker();
  expect_refused(forged, "dev1", "certificate was never issued by the CA");
}

TEST_F(ConnectRefusalTest, UnregisteredIdentityIsRefused) {
  const IssuedCertificate ghost = ca_->sign_unrecorded("ghost", "/CN=ghost");
  start_broker();
  expect_refused(ghost, "ghost", "device not registered");
}

TEST_F(ConnectRefusalTest, WildcardsAndSlashesInTheCommonNameAreRefused) {
  const IssuedCertificate plus =
      ca_->sign_unrecorded("plus", "/CN=dev\\+1");  // openssl -subj needs + escaped
  const IssuedCertificate hash = ca_->sign_unrecorded("hash", "/CN=dev#");
  const IssuedCertificate slash = ca_->sign_unrecorded("slash", "/CN=fleet\\/dev1");
  start_broker({{"client_id", "any"}});
  expect_refused(plus, "x1", "identity is not a valid device name");
  expect_refused(hash, "x2", "identity is not a valid device name");
  expect_refused(slash, "x3", "identity is not a valid device name");
}

TEST_F(ConnectRefusalTest, TwoCommonNamesAreRefused) {
  const IssuedCertificate two = ca_->sign_unrecorded("two", "/CN=dev1/CN=dev2");
  start_broker();
  expect_refused(two, "dev1", "certificate does not carry exactly one identity");
}

TEST_F(ConnectRefusalTest, NoClientCertificateNeverConnects) {
  start_broker();
  MqttClientSettings settings;
  settings.port = broker_->port();
  settings.client_id = "dev1";
  settings.cafile = ca_->ca_cert_path();
  MqttTestClient anonymous(settings);
  const ConnectOutcome outcome = anonymous.connect(3s);
  // require_certificate ends the TLS handshake before MQTT starts.
  EXPECT_FALSE(outcome.connected);
  EXPECT_NE(outcome.connack, 0);
}

TEST_F(ConnectRefusalTest, DryRunLogsButAllows) {
  start_broker({{"dry_run", "true"}});
  auto mqtt = connected(dev1_, "not-dev1");
  EXPECT_TRUE(mqtt->connected());
  EXPECT_TRUE(broker_->wait_for_log("DRY-RUN would DENY connect device='dev1'")) << broker_->log();
}

TEST_F(ConnectRefusalTest, SubjectAltNameUriNamesTheDevice) {
  ca_->add_device("cam-1", "sensor", {"--san-uri", "spiffe://fleet.example/cam-1"});
  const IssuedCertificate camera = ca_->enroll("cam-1");
  start_broker({{"identity", "san-uri"}});
  auto mqtt = connected(camera, "cam-1");
  EXPECT_TRUE(mqtt->connected());
  EXPECT_EQ(mqtt->subscribe("fleet/cam-1/#"), std::vector<int>{1});
  // dev1's certificate has no URI SAN: under san-uri it names nobody.
  expect_refused(dev1_, "dev1", "certificate does not carry exactly one identity");
}

TEST_F(ConnectRefusalTest, Mqtt5ClientsGetMqtt5ReasonCodes) {
  start_broker();
  MqttClientSettings settings;
  settings.port = broker_->port();
  settings.client_id = "intruder";
  settings.cafile = ca_->ca_cert_path();
  settings.certfile = dev1_.cert_path;
  settings.keyfile = dev1_.key_path;
  settings.mqtt5 = true;
  MqttTestClient refused(settings);
  EXPECT_EQ(refused.connect().connack, 0x87);  // Not authorized

  settings.client_id = "dev1";
  MqttTestClient accepted(settings);
  ASSERT_TRUE(accepted.connect().connected) << broker_->log();
  EXPECT_EQ(accepted.subscribe("#"), std::vector<int>{0x87});
  EXPECT_EQ(accepted.subscribe("fleet/dev1/#"), std::vector<int>{1});
}

}  // namespace
}  // namespace certacl::test
