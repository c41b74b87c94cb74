// Two real brokers on one real PostgreSQL behind a real L4 load balancer (haproxy, TCP mode,
// TLS passed through, round-robin). Devices connect to the balancer only, with their client
// certificates; each broker still sees the device's own certificate, and a revoked device is
// dropped by whichever broker holds it and refused on every way back through the balancer.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "certacl_test/broker_fixture.h"
#include "enrolled_fleet.h"
#include "haproxy_fixture.h"
#include "postgres_world.h"

namespace certacl::test {
namespace {

using namespace std::chrono_literals;

constexpr int kNotAuthorized = 5;  // CONNACK, MQTT 3.1.1
constexpr int kKeyCompromise = 1;  // RFC 5280 revocation reason

class PostgresLoadBalancer : public ::testing::Test {
 protected:
  // Both brokers behind the balancer, and every device connected through it.
  void SetUp() override {
    balancer_ = std::make_unique<HaproxyFixture>(std::vector<int>{a_->port(), b_->port()});
    for (const char* name : {"dev1", "dev2", "dev3", "dev4"}) {
      devices_[name] = through(*balancer_, name, {a_.get(), b_.get()}, holder_[name]);
      ASSERT_NE(holder_[name], nullptr) << name << "\n"
                                        << balancer_->log() << a_->log() << b_->log();
    }
  }

  std::unique_ptr<BrokerFixture> broker(const std::string& login) {
    auto fixture = std::make_unique<BrokerFixture>(fleet_.broker_settings(
        world_.server.url(login), world_.server.create_login(login, "certacl_broker")));
    EXPECT_TRUE(fixture->start()) << fixture->log();
    return fixture;
  }

  // The line a broker logs when it admits `device` with its own certificate.
  std::string admitted(const std::string& device) {
    return "ALLOW connect device='" + device + "' serial=" + fleet_.certificate(device).serial +
           " ";
  }

  // `device` connected through the balancer; `held_by` is the broker that admitted it with
  // its own certificate (its serial in the log), nullptr when none did.
  std::unique_ptr<MqttTestClient> through(const HaproxyFixture& balancer, const std::string& device,
                                          const std::vector<BrokerFixture*>& brokers,
                                          BrokerFixture*& held_by) {
    std::vector<std::size_t> before;
    before.reserve(brokers.size());
    for (BrokerFixture* each : brokers) before.push_back(each->log_count(admitted(device)));
    auto mqtt = fleet_.client(balancer.port(), device);
    const ConnectOutcome outcome = mqtt->connect();
    EXPECT_TRUE(outcome.connected)
        << device << " connack=" << outcome.connack << " " << outcome.error;
    held_by = nullptr;
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (outcome.connected && held_by == nullptr && std::chrono::steady_clock::now() < deadline) {
      for (std::size_t i = 0; i < brokers.size(); ++i) {
        if (brokers[i]->log_count(admitted(device)) > before[i]) held_by = brokers[i];
      }
      std::this_thread::sleep_for(20ms);
    }
    return mqtt;
  }

  PostgresWorld world_;
  store::PostgresStore writer_{world_.ca};
  EnrolledFleet fleet_{writer_, {"dev1", "dev2", "dev3", "dev4"}};
  std::unique_ptr<BrokerFixture> a_ = broker("broker_a");
  std::unique_ptr<BrokerFixture> b_ = broker("broker_b");
  // Stopped before the brokers (members end in reverse order).
  std::unique_ptr<HaproxyFixture> balancer_;
  std::map<std::string, std::unique_ptr<MqttTestClient>> devices_;
  std::map<std::string, BrokerFixture*> holder_;  // the broker that admitted each device
};

TEST_F(PostgresLoadBalancer, ARevokedDeviceIsDroppedBehindTheBalancerAndRefusedOnEveryWayBack) {
  // Round-robin: two sessions on each broker, so consecutive devices are on different ones.
  EXPECT_EQ(a_->log_count("ALLOW connect device="), 2U) << a_->log() << balancer_->log();
  EXPECT_EQ(b_->log_count("ALLOW connect device="), 2U) << b_->log() << balancer_->log();
  ASSERT_NE(holder_["dev1"], holder_["dev2"]) << balancer_->log();

  // One device on each broker is revoked; each is dropped where it is.
  for (const char* name : {"dev1", "dev2"}) {
    ASSERT_EQ(writer_.revoke_device(name, kKeyCompromise, "test").size(), 1U);
    EXPECT_TRUE(devices_[name]->wait_for_disconnect(5s).has_value()) << holder_[name]->log();
    EXPECT_TRUE(holder_[name]->wait_for_log("kick device='" + std::string(name) + "'"))
        << holder_[name]->log();
  }
  EXPECT_TRUE(devices_["dev3"]->connected());
  EXPECT_TRUE(devices_["dev4"]->connected());

  // dev1 comes back through the balancer until both brokers have refused it (round-robin:
  // two tries; at most six).
  const std::string denied = "DENY connect device='dev1'";
  for (int attempt = 0; attempt < 6 && (a_->log_count(denied) == 0 || b_->log_count(denied) == 0);
       ++attempt) {
    EXPECT_EQ(fleet_.connack(balancer_->port(), "dev1"), kNotAuthorized);
  }
  EXPECT_TRUE(a_->wait_for_log(denied)) << a_->log();
  EXPECT_TRUE(b_->wait_for_log(denied)) << b_->log();
  EXPECT_TRUE(devices_["dev3"]->connected());
  EXPECT_TRUE(devices_["dev4"]->connected());
}

TEST_F(PostgresLoadBalancer, WhenABrokerStopsItsDevicesComeBackThroughTheBalancerToTheOther) {
  ASSERT_EQ(writer_.revoke_device("dev4", kKeyCompromise, "test").size(), 1U);
  ASSERT_TRUE(devices_["dev4"]->wait_for_disconnect(5s).has_value());

  // Broker A goes away at once; the balancer has not noticed yet (its check runs every
  // second), so round-robin still picks A, and the refused connection is retried on B
  // (option redispatch).
  (void)a_->stop();
  for (const char* name : {"dev1", "dev2", "dev3"}) {
    if (holder_[name] != a_.get()) continue;
    ASSERT_TRUE(devices_[name]->wait_for_disconnect(5s).has_value()) << name;
    BrokerFixture* now = nullptr;
    devices_[name] = through(*balancer_, name, {b_.get()}, now);
    EXPECT_EQ(now, b_.get()) << name << "\n" << balancer_->log() << b_->log();
  }
  for (int attempt = 0; attempt < 2; ++attempt) {
    EXPECT_EQ(fleet_.connack(balancer_->port(), "dev4"), kNotAuthorized);
  }
  for (const char* name : {"dev1", "dev2", "dev3"})
    EXPECT_TRUE(devices_[name]->connected()) << name;
}

}  // namespace
}  // namespace certacl::test
