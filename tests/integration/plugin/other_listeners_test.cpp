// Issue 12, coexistence with a password listener through a real broker: one mTLS listener
// for devices and one TLS listener without require_certificate for operators, who log in
// with mosquitto's password_file (made by mosquitto_passwd) and are authorized by its
// acl_file. With plugin_opt_other_listeners defer certacl leaves clients without a
// certificate to those; every client that presents a certificate is still decided by
// certacl. With the default (refuse) the operator is refused as before.

#include <gtest/gtest.h>

#include <sstream>

#include "certacl_test/files.h"
#include "certacl_test/paths.h"
#include "certacl_test/process.h"
#include "plugin_environment.h"

namespace certacl::test {
namespace {

using std::chrono::milliseconds;

class OtherListenersTest : public PluginEnvironment {
 protected:
  void SetUp() override {
    PluginEnvironment::SetUp();
    password_file_ = files_.file("passwd");
    acl_file_ = files_.file("acl");
    // mosquitto_passwd writes salted PBKDF2 hashes; -b takes the password on the command line.
    for (const auto& [user, password] :
         {std::pair{"operator", "op-secret"}, std::pair{"dev2", "dev2-secret"}}) {
      std::vector<std::string> argv = {"mosquitto_passwd", "-b"};
      if (!file_exists(password_file_)) argv.push_back("-c");
      argv.insert(argv.end(), {password_file_, user, password});
      const CommandResult made = run_command(argv, {});
      ASSERT_EQ(made.exit_code, 0) << made.err;
    }
    write_file(acl_file_, "user operator\ntopic readwrite ops/#\ntopic read fleet/#\n");
    password_port_ = free_loopback_port();
  }

  void start(const std::map<std::string, std::string>& options) {
    start_broker(options, "password_file " + password_file_ + "\nacl_file " + acl_file_ +
                              "\nlistener " + std::to_string(password_port_) +
                              " 127.0.0.1\ncafile " + ca_->ca_cert_path() + "\ncertfile " +
                              ca_->server_cert_path() + "\nkeyfile " + ca_->server_key_path() +
                              "\nrequire_certificate false\nuse_identity_as_username false\n"
                              "tls_version tlsv1.2\n");
    ASSERT_TRUE(wait_for_port(password_port_, 5000)) << broker_->log();
  }

  // per_listener_settings true: each listener has its own security settings. The device
  // listener loads certacl; the password listener has password_file and acl_file, and loads
  // certacl too (with defer) only when `certacl_on_password_listener`.
  void start_per_listener(bool certacl_on_password_listener) {
    std::ostringstream certacl;
    certacl << "plugin " << plugin_library() << "\n"
            << "plugin_opt_db_path " << ca_->db_path() << "\n"
            << "plugin_opt_log_level debug\n"
            << "plugin_opt_poll_interval_ms 20\n";
    const std::string tls = "cafile " + ca_->ca_cert_path() + "\ncertfile " +
                            ca_->server_cert_path() + "\nkeyfile " + ca_->server_key_path() +
                            "\ntls_version tlsv1.2\n";
    std::ostringstream config;
    config << "per_listener_settings true\npersistence false\n"
           << "listener {port} 127.0.0.1\n"
           << tls << "require_certificate true\nallow_anonymous false\n"
           << certacl.str() << "listener " << password_port_ << " 127.0.0.1\n"
           << tls << "require_certificate false\nallow_anonymous false\n"
           << "password_file " << password_file_ << "\nacl_file " << acl_file_ << "\n";
    if (certacl_on_password_listener) {
      config << certacl.str() << "plugin_opt_other_listeners defer\n";
    }
    BrokerSettings settings = broker_settings({});
    settings.raw_config = config.str();
    broker_ = std::make_unique<BrokerFixture>(settings);
    ASSERT_TRUE(broker_->start()) << broker_->log();
    ASSERT_TRUE(wait_for_port(password_port_, 5000)) << broker_->log();
  }

  // The operator reads the fleet as acl_file allows, a wrong password is refused.
  void expect_operator_served() {
    auto operator_session = operator_client("operator-1", "operator", "op-secret");
    const ConnectOutcome outcome = operator_session->connect();
    ASSERT_TRUE(outcome.connected) << outcome.connack << " " << broker_->log();
    ASSERT_EQ(operator_session->subscribe("fleet/#"), std::vector<int>{1});
    auto sensor = connected(dev1_, "dev1");
    ASSERT_TRUE(sensor->publish("fleet/dev1/telemetry", "21.5"));
    EXPECT_TRUE(
        operator_session->wait_for_message("fleet/dev1/telemetry", milliseconds(3000)).has_value());
    EXPECT_FALSE(operator_client("operator-2", "operator", "guess")->connect().connected);
  }

  std::unique_ptr<MqttTestClient> operator_client(const std::string& client_id,
                                                  const std::string& user,
                                                  const std::string& password) {
    MqttClientSettings settings;
    settings.port = password_port_;
    settings.client_id = client_id;
    settings.cafile = ca_->ca_cert_path();
    settings.username = user;
    settings.password = password;
    return std::make_unique<MqttTestClient>(settings);
  }

  TempDir files_;
  std::string password_file_;
  std::string acl_file_;
  int password_port_ = 0;
};

TEST_F(OtherListenersTest, OperatorIsLeftToPasswordFileAndAclFile) {
  start({{"other_listeners", "defer"}, {"stats_interval", "1"}});
  auto operator_session = operator_client("operator-1", "operator", "op-secret");
  const ConnectOutcome outcome = operator_session->connect();
  ASSERT_TRUE(outcome.connected) << outcome.connack << " " << outcome.error << broker_->log();
  EXPECT_TRUE(broker_->wait_for_log("DEFER connect client_id='operator-1' username='operator'"));
  ASSERT_EQ(operator_session->subscribe("fleet/#"), std::vector<int>{1});
  ASSERT_EQ(operator_session->subscribe("ops/#"), std::vector<int>{1});

  // What acl_file allows: reading the fleet, writing ops/.
  auto sensor = connected(dev1_, "dev1");
  ASSERT_EQ(sensor->subscribe("fleet/dev1/#"), std::vector<int>{1});
  ASSERT_TRUE(sensor->publish("fleet/dev1/telemetry", "21.5"));
  EXPECT_TRUE(
      operator_session->wait_for_message("fleet/dev1/telemetry", milliseconds(3000)).has_value());
  ASSERT_TRUE(operator_session->publish("ops/note", "hello"));
  EXPECT_TRUE(operator_session->wait_for_message("ops/note", milliseconds(3000)).has_value());
  // What it does not: writing into the fleet. Not even a device's rights come with the
  // password client (dev1's role may publish fleet/dev1/#).
  ASSERT_TRUE(operator_session->publish("fleet/dev1/cmd", "open"));
  EXPECT_FALSE(sensor->wait_for_message("fleet/dev1/cmd", milliseconds(500)).has_value());
  EXPECT_FALSE(operator_session->wait_for_message("fleet/dev1/cmd", milliseconds(100)).has_value());

  // A wrong password is refused by mosquitto's password_file.
  auto wrong = operator_client("operator-2", "operator", "guess");
  const ConnectOutcome refused = wrong->connect();
  EXPECT_FALSE(refused.connected);
  EXPECT_EQ(refused.connack, kNotAuthorized);
  EXPECT_TRUE(operator_session->connected());

  // Counted: two clients without a certificate were left to mosquitto (the wrong password
  // too: certacl defers before password_file decides).
  auto monitoring = connected(ops1_, "ops1");
  ASSERT_EQ(monitoring->subscribe("$SYS/broker/certacl/connect/deferred"), std::vector<int>{1});
  // Published every second; a retained value from before the second connect may come first.
  std::string count;
  for (int publication = 0; publication < 5 && count != "2"; ++publication) {
    const auto deferred =
        monitoring->wait_for_message("$SYS/broker/certacl/connect/deferred", milliseconds(2000));
    if (!deferred) break;
    count = deferred->payload;
  }
  EXPECT_EQ(count, "2");
}

TEST_F(OtherListenersTest, PasswordClientsCannotUseADevicesClientIdOrName) {
  start({{"other_listeners", "defer"}});
  auto sensor = connected(dev1_, "dev1");
  // Same client id as a device: mosquitto would hand it dev1's session.
  auto thief = operator_client("dev1", "operator", "op-secret");
  EXPECT_FALSE(thief->connect().connected);
  EXPECT_FALSE(sensor->wait_for_disconnect(milliseconds(300)).has_value());
  // A device's name as username, even with the right password.
  auto named = operator_client("console", "dev2", "dev2-secret");
  EXPECT_FALSE(named->connect().connected);
  EXPECT_TRUE(broker_->wait_for_log(
      "client_id='console' reason=client without a certificate uses a registered device's"));
}

TEST_F(OtherListenersTest, CertificateClientsStayCertaclsWherePresented) {
  start({{"other_listeners", "defer"}});
  ca_->revoke(dev2_.serial);
  // The mTLS listener: certacl decides, deny by default, a revoked device stays refused.
  const ConnectOutcome revoked = client(dev2_, "dev2")->connect();
  EXPECT_FALSE(revoked.connected);
  EXPECT_EQ(revoked.connack, kNotAuthorized);
  EXPECT_TRUE(broker_->wait_for_log("client_id='dev2' reason=certificate revoked"));
  auto sensor = client(dev1_, "dev1");
  ASSERT_TRUE(sensor->connect().connected) << broker_->log();
  EXPECT_EQ(sensor->subscribe("ops/#"), std::vector<int>{kSubackFailure});
  // The password listener: mosquitto 2.0.11 asks for no client certificate on a listener
  // without require_certificate (SSL_VERIFY_NONE), so a device's certificate never arrives
  // there. The device is a client without a certificate, and its own client id is refused:
  // it never gets in through the password listener, revoked or not.
  for (const IssuedCertificate* device : {&dev2_, &dev1_}) {
    const std::string name = device == &dev2_ ? "dev2" : "dev1";
    SCOPED_TRACE(name);
    const ConnectOutcome outcome = client(*device, name, password_port_)->connect();
    EXPECT_FALSE(outcome.connected);
    EXPECT_EQ(outcome.connack, kNotAuthorized);
    EXPECT_TRUE(broker_->wait_for_log("client_id='" + name +
                                      "' reason=client without a certificate uses a registered"));
  }
  EXPECT_TRUE(sensor->connected());
}

TEST_F(OtherListenersTest, ByDefaultClientsWithoutCertificateAreRefused) {
  start({});
  auto operator_session = operator_client("operator-1", "operator", "op-secret");
  const ConnectOutcome outcome = operator_session->connect();
  EXPECT_FALSE(outcome.connected);
  EXPECT_EQ(outcome.connack, kNotAuthorized);
  EXPECT_TRUE(broker_->wait_for_log("client_id='operator-1' reason=no client certificate"));
}

TEST_F(OtherListenersTest, DeferWithClientIdAnyStopsTheBroker) {
  BrokerSettings settings = broker_settings({{"other_listeners", "defer"}, {"client_id", "any"}});
  BrokerFixture broker(settings);
  EXPECT_FALSE(broker.start(milliseconds(5000)));
  EXPECT_TRUE(broker.wait_for_log("'defer' needs plugin_opt_client_id exact or prefix"));
}

}  // namespace
}  // namespace certacl::test

namespace certacl::test {
namespace {

// per_listener_settings true with certacl loaded on the password listener too (defer): the
// operator is that listener's password_file's, and a device's client id stays refused.
TEST_F(OtherListenersTest, PerListenerSettingsWithCertaclOnBothListeners) {
  start_per_listener(true);
  expect_operator_served();
  auto sensor = connected(dev2_, "dev2");
  EXPECT_FALSE(operator_client("dev2", "operator", "op-secret")->connect().connected);
  EXPECT_FALSE(sensor->wait_for_disconnect(milliseconds(300)).has_value());
}

// The limit the docs warn about: a password listener without certacl (per_listener_settings
// true) serves its operators, but nothing stops one of them from naming a device's client id,
// and mosquitto then hands it the device's session and disconnects the device.
TEST_F(OtherListenersTest, PerListenerSettingsWithoutCertaclThereCannotProtectDeviceIds) {
  start_per_listener(false);
  expect_operator_served();
  auto sensor = connected(dev2_, "dev2");
  auto thief = operator_client("dev2", "operator", "op-secret");
  EXPECT_TRUE(thief->connect().connected);
  EXPECT_TRUE(sensor->wait_for_disconnect(milliseconds(3000)).has_value());
}

}  // namespace
}  // namespace certacl::test
