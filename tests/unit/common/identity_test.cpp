#include "certacl/identity.h"

#include <gtest/gtest.h>

#include <string>

namespace certacl {
namespace {

TEST(DeviceNames, AcceptsPrintableNames) {
  for (const char* name :
       {"sensor1", "dashboard-1", "ESP32 hall A", "gw.plant_3", "capteur-\xC3\xA9"}) {
    EXPECT_TRUE(device_name_problem(name).empty()) << name;
  }
  EXPECT_TRUE(device_name_problem(std::string(kMaxDeviceNameBytes, 'a')).empty());
}

TEST(DeviceNames, RefusesWhatWouldBreakAclSubstitution) {
  EXPECT_EQ(device_name_problem(""), "is empty");
  EXPECT_EQ(device_name_problem(std::string(kMaxDeviceNameBytes + 1, 'a')), "is too long");
  EXPECT_EQ(device_name_problem("a+b"), "contains the MQTT wildcard '+'");
  EXPECT_EQ(device_name_problem("#"), "contains the MQTT wildcard '#'");
  EXPECT_EQ(device_name_problem("a/b"), "contains the topic separator '/'");
  EXPECT_EQ(device_name_problem(std::string("a\0b", 3)), "contains a NUL byte");
  EXPECT_EQ(device_name_problem("a\nb"), "contains a control character");
  EXPECT_EQ(device_name_problem("a\x7f"), "contains a control character");
}

TEST(ClientIds, FollowTheSameRulesWithALongerLimit) {
  EXPECT_TRUE(client_id_problem(std::string(kMaxClientIdBytes, 'c')).empty());
  EXPECT_FALSE(client_id_problem(std::string(kMaxClientIdBytes + 1, 'c')).empty());
  EXPECT_FALSE(client_id_problem("dev1/../dev2").empty());
  EXPECT_FALSE(client_id_problem("dev+").empty());
}

}  // namespace
}  // namespace certacl
