// SIGHUP (mosquitto reloads its configuration and its plugins' options) while clients keep
// publishing: the broker stays up, messages keep flowing, and the plugin still refuses a
// revoked device afterwards.

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>

#include "fault_fleet.h"

namespace certacl::test {
namespace {

using namespace std::chrono_literals;

TEST(BrokerSignals, SighupWhileClientsPublish) {
  FaultFleet fleet;
  fleet.add_device("sensor-1");
  fleet.add_device("sensor-3");
  fleet.add_device("monitor");
  const std::string revoked = fleet.add_device("sensor-2");
  fleet.ca().revoke(revoked);
  ASSERT_TRUE(fleet.start_broker()) << fleet.log_tail();

  const auto monitor = fleet.session("monitor");
  ASSERT_TRUE(monitor->connected());
  ASSERT_TRUE(monitor->subscribe("factory/#").has_value());
  const auto publisher = fleet.session("sensor-1");
  ASSERT_TRUE(publisher->connected());

  // One live session publishing steadily, and fresh connections arriving, across five
  // reloads.
  std::atomic<bool> stop{false};
  std::atomic<int> acknowledged{0};
  std::atomic<int> reconnects{0};
  std::thread steady([&] {
    for (int i = 0; i < 2000 && !stop; ++i) {
      if (publisher->publish("factory/sensor-1/load", "m" + std::to_string(i), 1, false, 2s)) {
        ++acknowledged;
      }
      std::this_thread::sleep_for(5ms);
    }
  });
  std::thread arriving([&] {
    for (int i = 0; i < 100 && !stop; ++i) {
      if (fleet.publish("sensor-2", "factory/sensor-2/x", "revoked")) {
        ADD_FAILURE() << "the revoked device got in around a reload";
      }
      if (fleet.publish("sensor-3", "factory/sensor-3/new", "n")) ++reconnects;
    }
  });
  for (int i = 0; i < 5; ++i) {
    std::this_thread::sleep_for(300ms);
    fleet.broker().reload();
  }
  std::this_thread::sleep_for(300ms);
  stop = true;
  steady.join();
  arriving.join();

  ASSERT_TRUE(fleet.broker().running()) << fleet.log_tail();
  EXPECT_GT(acknowledged.load(), 0);
  EXPECT_GT(reconnects.load(), 0);
  // After the last reload: a new message reaches the subscriber, the revoked device is out.
  EXPECT_TRUE(fleet.publish("sensor-1", "factory/sensor-1/final", "after-reload"));
  EXPECT_TRUE(monitor->wait_for_message("factory/sensor-1/final", 5s)) << fleet.log_tail();
  EXPECT_FALSE(fleet.publish("sensor-2", "factory/sensor-2/t", "x"));
  EXPECT_TRUE(fleet.broker().running());
}

}  // namespace
}  // namespace certacl::test
