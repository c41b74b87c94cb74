// Issue 12, per-role client ids through a real broker: a gateway role with prefix client ids
// holds several connections per device; a prefix never reaches another device's ids (device
// `a` cannot connect as `a-b-1` while device `a-b` exists, so it cannot kick `a-b`); every
// other role stays exact; a role set back to exact disconnects its prefix sessions.

#include <gtest/gtest.h>

#include "plugin_environment.h"

namespace certacl::test {
namespace {

using std::chrono::milliseconds;

class ClientIdRolesTest : public PluginEnvironment {
 protected:
  void SetUp() override {
    PluginEnvironment::SetUp();
    ca_->run({"role", "add", "gateway", "--client-id", "prefix"});
    ca_->allow("gateway", "publish", "site/%u/#");
    ca_->allow("gateway", "subscribe", "site/%u/#");
    for (const char* name : {"gw", "a", "a-b"}) ca_->add_device(name, "gateway");
    gw_ = ca_->enroll("gw");
    a_ = ca_->enroll("a");
    a_b_ = ca_->enroll("a-b");
    start_broker();
  }

  int refused_connack(const IssuedCertificate& certificate, const std::string& client_id) {
    auto mqtt = client(certificate, client_id);
    const ConnectOutcome outcome = mqtt->connect();
    EXPECT_FALSE(outcome.connected) << client_id;
    return outcome.connack;
  }

  IssuedCertificate gw_;
  IssuedCertificate a_;
  IssuedCertificate a_b_;
};

TEST_F(ClientIdRolesTest, GatewayHoldsAPublisherAndASubscriberAtOnce) {
  auto subscriber = connected(gw_, "gw-sub");
  auto publisher = connected(gw_, "gw-pub");
  ASSERT_EQ(subscriber->subscribe("site/gw/#"), std::vector<int>{1});
  ASSERT_TRUE(publisher->publish("site/gw/status", "up"));
  const auto received = subscriber->wait_for_message("site/gw/status", milliseconds(3000));
  ASSERT_TRUE(received.has_value());
  EXPECT_EQ(received->payload, "up");
  // Neither took the other's place.
  EXPECT_TRUE(subscriber->connected());
  EXPECT_TRUE(publisher->connected());
  // The bare name is not a prefix client id.
  EXPECT_EQ(refused_connack(gw_, "gw"), kNotAuthorized);
  EXPECT_TRUE(broker_->wait_for_log("DENY connect device='gw'"));
}

TEST_F(ClientIdRolesTest, PrefixCannotTakeAnotherDevicesClientId) {
  auto owner = connected(a_b_, "a-b-1");
  EXPECT_EQ(refused_connack(a_, "a-b-1"), kNotAuthorized);
  EXPECT_EQ(refused_connack(a_, "a-b"), kNotAuthorized);
  EXPECT_TRUE(broker_->wait_for_log("client_id='a-b-1' reason=client id does not match"));
  // a-b kept its connection: a refused CONNECT never reaches mosquitto's session takeover.
  EXPECT_FALSE(owner->wait_for_disconnect(milliseconds(500)).has_value());
  ASSERT_EQ(owner->subscribe("site/a-b/#"), std::vector<int>{1});
  // a still has ids of its own.
  auto own = connected(a_, "a-1");
  EXPECT_TRUE(own->connected());
}

TEST_F(ClientIdRolesTest, OtherRolesStayExact) {
  EXPECT_EQ(refused_connack(dev1_, "dev1-x"), kNotAuthorized);
  EXPECT_EQ(refused_connack(dev1_, "gw-1"), kNotAuthorized);
  auto exact = connected(dev1_, "dev1");
  EXPECT_TRUE(exact->connected());
}

TEST_F(ClientIdRolesTest, RoleSetBackToExactDisconnectsPrefixSessions) {
  auto publisher = connected(gw_, "gw-pub");
  auto other = connected(dev1_, "dev1");
  ca_->run({"role", "set-client-id", "gateway", "exact"});
  EXPECT_TRUE(publisher->wait_for_disconnect(milliseconds(5000)).has_value()) << broker_->log();
  EXPECT_TRUE(broker_->wait_for_log("kick device='gw' serial=" + gw_.serial +
                                    " client_id='gw-pub' reason=client id does not match"));
  EXPECT_TRUE(other->connected());
  auto exact = connected(gw_, "gw");
  EXPECT_TRUE(exact->connected());
}

}  // namespace
}  // namespace certacl::test
