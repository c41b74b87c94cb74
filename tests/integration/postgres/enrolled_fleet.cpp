#include "enrolled_fleet.h"

#include <gtest/gtest.h>

#include "registry_copy.h"

namespace certacl::test {

EnrolledFleet::EnrolledFleet(store::PostgresStore& writer, const std::vector<std::string>& devices)
    : writer_(writer) {
  ca.add_role("sensor");
  ca.allow("sensor", "publish", "fleet/%u/#");
  copy_ca(ca, writer_);
  copy_role(ca, writer_, "sensor");
  for (const std::string& device : devices) enroll(device);
}

void EnrolledFleet::enroll(const std::string& device, bool register_it) {
  ca.add_device(device, "sensor");
  certificates_[device] = ca.enroll(device);
  if (!register_it) return;
  copy_device(ca, writer_, device);
  copy_certificate(ca, writer_, certificates_[device]);
}

BrokerSettings EnrolledFleet::broker_settings(const std::string& db_url,
                                              const std::string& password_file) const {
  BrokerSettings settings;
  settings.cafile = ca.ca_cert_path();
  settings.certfile = ca.server_cert_path();
  settings.keyfile = ca.server_key_path();
  settings.plugin_options["db_url"] = db_url;
  settings.plugin_options["db_password_file"] = password_file;
  return settings;
}

std::unique_ptr<MqttTestClient> EnrolledFleet::client(int port, const std::string& device) const {
  MqttClientSettings settings;
  settings.port = port;
  settings.client_id = device;
  settings.cafile = ca.ca_cert_path();
  settings.certfile = certificates_.at(device).cert_path;
  settings.keyfile = certificates_.at(device).key_path;
  return std::make_unique<MqttTestClient>(settings);
}

std::unique_ptr<MqttTestClient> EnrolledFleet::connected(const BrokerFixture& on,
                                                         const std::string& device) const {
  auto mqtt = client(on.port(), device);
  const ConnectOutcome outcome = mqtt->connect();
  EXPECT_TRUE(outcome.connected) << device << " connack=" << outcome.connack << " " << outcome.error
                                 << "\n"
                                 << on.log();
  return mqtt;
}

int EnrolledFleet::connack(int port, const std::string& device) const {
  return client(port, device)->connect().connack;
}

}  // namespace certacl::test
