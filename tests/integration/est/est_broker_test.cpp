// The whole life of a device through EST and the real broker with the certacl plugin:
// enroll with a token, connect and publish, renew, connect with the new certificate, and
// see the session on the replaced certificate dropped once it is revoked as superseded.
#include <chrono>

#include "certacl_test/broker_fixture.h"
#include "certacl_test/mqtt_client.h"
#include "est_world.h"

namespace certacl::test {
namespace {

using namespace std::chrono_literals;

class EstBrokerTest : public EstWorld {
 protected:
  void start_broker() {
    broker_ = std::make_unique<BrokerFixture>(broker_settings());
    ASSERT_TRUE(broker_->start()) << broker_->log();
  }

  std::unique_ptr<MqttTestClient> mqtt(const std::string& cert, const std::string& key) {
    MqttClientSettings settings;
    settings.port = broker_->port();
    settings.client_id = "dev1";
    settings.cafile = ca_->ca_cert_path();
    settings.certfile = cert;
    settings.keyfile = key;
    return std::make_unique<MqttTestClient>(settings);
  }

  std::unique_ptr<BrokerFixture> broker_;
};

TEST_F(EstBrokerTest, EnrolledDeviceConnectsRenewsAndTheOldSessionIsDropped) {
  start_server({"--supersede-after", "2s"});
  start_broker();
  const std::string first = enrolled("dev1", "dev1");
  auto session = mqtt(first, key_of("dev1"));
  const ConnectOutcome outcome = session->connect();
  ASSERT_TRUE(outcome.connected) << outcome.error << broker_->log();
  EXPECT_TRUE(session->publish("fleet/dev1/telemetry", "hello"));

  const HttpAnswer renewed = reenroll(first, key_of("dev1"), make_csr("dev1-new", "/CN=dev1"));
  ASSERT_EQ(renewed.status, 200) << renewed.body;
  const std::string second = certificate_file(renewed, "dev1-second");

  // The old session lives through the overlap, then the plugin drops it (bounded wait).
  EXPECT_TRUE(session->wait_for_disconnect(15s).has_value())
      << "session on the superseded certificate was not dropped\n"
      << server_log() << broker_->log();
  auto fresh = mqtt(second, key_of("dev1-new"));
  EXPECT_TRUE(fresh->connect().connected) << broker_->log();
  EXPECT_TRUE(fresh->publish("fleet/dev1/telemetry", "renewed"));
  // The superseded certificate is refused from now on.
  auto stale = mqtt(first, key_of("dev1"));
  EXPECT_FALSE(stale->connect().connected);
}

}  // namespace
}  // namespace certacl::test
