#include "plugin_environment.h"

namespace certacl::test {

void PluginEnvironment::SetUp() {
  ca_ = std::make_unique<CaFixture>();
  ca_->add_role("sensor");
  ca_->allow("sensor", "publish", "fleet/%u/#");
  ca_->deny("sensor", "publish", "fleet/%u/secret");
  ca_->allow("sensor", "subscribe", "fleet/%u/#");
  ca_->allow("sensor", "subscribe", "broadcast/#");
  ca_->deny("sensor", "subscribe", "broadcast/private/#");
  ca_->add_role("monitor");
  ca_->allow("monitor", "subscribe", "fleet/+/telemetry");
  ca_->add_role("ops");
  ca_->allow("ops", "subscribe", "$SYS/broker/certacl/#");
  ca_->add_role("hq");
  ca_->allow("hq", "publish", "broadcast/#");
  ca_->add_device("dev1", "sensor");
  ca_->add_device("dev2", "sensor");
  ca_->add_device("mon", "monitor");
  ca_->add_device("ops1", "ops");
  ca_->add_device("hq1", "hq");
  dev1_ = ca_->enroll("dev1");
  dev2_ = ca_->enroll("dev2");
  mon_ = ca_->enroll("mon");
  ops1_ = ca_->enroll("ops1");
  hq1_ = ca_->enroll("hq1");
}

BrokerSettings PluginEnvironment::broker_settings(
    const std::map<std::string, std::string>& options) const {
  BrokerSettings settings;
  settings.cafile = ca_->ca_cert_path();
  settings.certfile = ca_->server_cert_path();
  settings.keyfile = ca_->server_key_path();
  settings.db_path = ca_->db_path();
  settings.plugin_options = {{"log_level", "debug"}, {"poll_interval_ms", "20"}};
  for (const auto& [key, value] : options) settings.plugin_options[key] = value;
  return settings;
}

void PluginEnvironment::start_broker(const std::map<std::string, std::string>& options,
                                     const std::string& extra_config) {
  BrokerSettings settings = broker_settings(options);
  settings.extra_config = extra_config;
  broker_ = std::make_unique<BrokerFixture>(settings);
  ASSERT_TRUE(broker_->start()) << "broker did not start:\n" << broker_->log();
}

ManualClientSettings PluginEnvironment::manual_settings(const IssuedCertificate& certificate,
                                                        const std::string& client_id) const {
  ManualClientSettings settings;
  settings.port = broker_->port();
  settings.client_id = client_id;
  settings.cafile = ca_->ca_cert_path();
  settings.certfile = certificate.cert_path;
  settings.keyfile = certificate.key_path;
  return settings;
}

std::unique_ptr<MqttTestClient> PluginEnvironment::client(const IssuedCertificate& certificate,
                                                          const std::string& client_id, int port) {
  MqttClientSettings settings;
  settings.port = port != 0 ? port : broker_->port();
  settings.client_id = client_id;
  settings.cafile = ca_->ca_cert_path();
  settings.certfile = certificate.cert_path;
  settings.keyfile = certificate.key_path;
  return std::make_unique<MqttTestClient>(settings);
}

std::unique_ptr<MqttTestClient> PluginEnvironment::connected(const IssuedCertificate& certificate,
                                                             const std::string& client_id) {
  auto mqtt = client(certificate, client_id);
  const ConnectOutcome outcome = mqtt->connect();
  EXPECT_TRUE(outcome.connected) << client_id << ": connack=" << outcome.connack
                                 << " error=" << outcome.error << "\n"
                                 << broker_->log();
  return mqtt;
}

}  // namespace certacl::test
