#include "certacl_fw/device_name.h"

#include <gtest/gtest.h>

#include <string>

#include "certacl/identity.h"

namespace certacl::fw {
namespace {

TEST(FirmwareDeviceName, AcceptsPrintableNames) {
  EXPECT_EQ(device_name_problem("sensor-7"), "");
  EXPECT_EQ(device_name_problem("hall,2 east"), "");
  EXPECT_EQ(device_name_problem("capteur-\xC3\xA9t\xC3\xA9"), "");
  EXPECT_EQ(device_name_problem(std::string(64, 'a')), "");
}

TEST(FirmwareDeviceName, RefusesWhatTheCaRefuses) {
  EXPECT_EQ(device_name_problem(""), "is empty");
  EXPECT_EQ(device_name_problem(std::string(65, 'a')), "is too long");
  EXPECT_EQ(device_name_problem("a+b"), "contains the MQTT wildcard '+'");
  EXPECT_EQ(device_name_problem("a#"), "contains the MQTT wildcard '#'");
  EXPECT_EQ(device_name_problem("a/b"), "contains the topic separator '/'");
  EXPECT_EQ(device_name_problem(std::string("a\0b", 3)), "contains a NUL byte");
  EXPECT_EQ(device_name_problem("a\nb"), "contains a control character");
  EXPECT_EQ(device_name_problem("a\x7F"), "contains a control character");
}

// The core keeps its own copy of the rule (it cannot link common/ on the ESP32); every
// single byte and both length edges must get the same verdict as common/identity.h.
TEST(FirmwareDeviceName, AgreesWithTheSharedRuleOnEveryByte) {
  for (int byte = 0; byte < 256; ++byte) {
    const std::string name = "dev" + std::string(1, static_cast<char>(byte)) + "x";
    EXPECT_EQ(device_name_problem(name), certacl::device_name_problem(name)) << "byte " << byte;
  }
  for (const std::size_t length : {std::size_t{0}, std::size_t{1}, std::size_t{63}, std::size_t{64},
                                   std::size_t{65}, std::size_t{300}}) {
    const std::string name(length, 'n');
    EXPECT_EQ(device_name_problem(name), certacl::device_name_problem(name)) << length;
  }
}

}  // namespace
}  // namespace certacl::fw
