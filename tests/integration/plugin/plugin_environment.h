#pragma once
// One CA with a small fleet, and a broker running the plugin on it:
//   role sensor:  allow publish   fleet/%u/#      deny publish   fleet/%u/secret
//                 allow subscribe fleet/%u/#      allow subscribe broadcast/#
//                 deny subscribe  broadcast/private/#
//   role monitor: allow subscribe fleet/+/telemetry
//   role ops:     allow subscribe $SYS/broker/certacl/#
//   role hq:      allow publish   broadcast/#
//   devices dev1, dev2 (sensor), mon (monitor), ops1 (ops), hq1 (hq), each enrolled once.

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "certacl_test/broker_fixture.h"
#include "certacl_test/ca_fixture.h"
#include "certacl_test/mqtt_client.h"
#include "manual_client.h"

namespace certacl::test {

class PluginEnvironment : public ::testing::Test {
 protected:
  void SetUp() override;

  // Starts the broker with the plugin; extra plugin options override the defaults.
  void start_broker(const std::map<std::string, std::string>& options = {},
                    const std::string& extra_config = "");
  // Settings for a ManualClient (manual_client.h) with this CA and broker.
  ManualClientSettings manual_settings(const IssuedCertificate& certificate,
                                       const std::string& client_id) const;
  // `port` 0: the broker's (first) listener.
  std::unique_ptr<MqttTestClient> client(const IssuedCertificate& certificate,
                                         const std::string& client_id, int port = 0);
  // A connected client, or a test failure.
  std::unique_ptr<MqttTestClient> connected(const IssuedCertificate& certificate,
                                            const std::string& client_id);
  BrokerSettings broker_settings(const std::map<std::string, std::string>& options) const;

  std::unique_ptr<CaFixture> ca_;
  std::unique_ptr<BrokerFixture> broker_;
  IssuedCertificate dev1_;
  IssuedCertificate dev2_;
  IssuedCertificate mon_;
  IssuedCertificate ops1_;
  IssuedCertificate hq1_;
};

// CONNACK "not authorised" for MQTT 3.1.1.
inline constexpr int kNotAuthorized = 5;
// SUBACK failure code for MQTT 3.1.1.
inline constexpr int kSubackFailure = 0x80;

}  // namespace certacl::test
