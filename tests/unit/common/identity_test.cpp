#include "certacl/identity.h"

#include <gtest/gtest.h>

#include <string>

namespace certacl {
namespace {

TEST(DeviceNames, AcceptsPrintableNames) {
  for (const char* name : {"sensor1", "dashboard-1", "ESP32 hall A", "gw.plant_3",
                           "capteur-\xC3\xA9", "\xE6\xB8\xA9\xE5\xBA\xA6-1", "a$b", "50-percent"}) {
    EXPECT_EQ(device_name_problem(name), "") << name;
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
  for (const char* name : {"%u", "%c", "50%"}) {
    EXPECT_EQ(device_name_problem(name), "contains '%', which ACL patterns use for substitution")
        << name;
  }
  EXPECT_EQ(device_name_problem("$SYS"),
            "starts with '$', reserved for broker topics such as $SYS");
}

TEST(DeviceNames, RefusesInvalidUtf8) {
  for (const char* name : {"\xC3", "a\xC3(", "\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80",
                           "\xF4\x90\x80\x80", "\xFF", "a\x80"}) {
    EXPECT_EQ(device_name_problem(name), "is not valid UTF-8") << escape_for_display(name);
  }
}

TEST(DeviceNames, RefusesC1ControlsBidiAndInvisibleCharacters) {
  EXPECT_EQ(device_name_problem("a\xC2\x85"), "contains a control character");  // U+0085 NEL
  EXPECT_EQ(device_name_problem("a\xC2\x9B"), "contains a control character");  // U+009B CSI
  for (const char* name : {"a\xE2\x80\xAE", "a\xE2\x80\xAA", "a\xE2\x81\xA6", "a\xE2\x81\xA9",
                           "a\xE2\x80\x8E", "a\xE2\x80\x8F", "a\xD8\x9C"}) {
    EXPECT_EQ(device_name_problem(name), "contains a bidirectional control character")
        << escape_for_display(name);
  }
  for (const char* name : {"a\xE2\x80\x8B", "a\xE2\x80\x8C", "a\xE2\x80\x8D", "a\xE2\x81\xA0",
                           "a\xEF\xBB\xBF", "a\xC2\xAD", "a\xEF\xB8\x8F"}) {
    EXPECT_EQ(device_name_problem(name), "contains a zero-width or invisible character")
        << escape_for_display(name);
  }
}

TEST(DeviceNames, RefusesNonNfcCombiningUnassignedAndOddSpaces) {
  const std::string_view kOutside =
      "contains a character that is unassigned, private-use, a non-ASCII space, a combining "
      "mark or not in Unicode NFC";
  EXPECT_EQ(device_name_problem("cafe\xCC\x81"), kOutside);  // e + U+0301: NFD of "café"
  EXPECT_EQ(device_name_problem("\xE2\x84\xAB"), kOutside);  // U+212B ANGSTROM SIGN (NFC: U+00C5)
  EXPECT_EQ(device_name_problem("a\xC2\xA0"
                                "b"),
            kOutside);                                        // U+00A0 no-break space
  EXPECT_EQ(device_name_problem("a\xE3\x80\x80"), kOutside);  // U+3000 ideographic space
  EXPECT_EQ(device_name_problem("a\xEE\x80\x80"), kOutside);  // U+E000 private use
  EXPECT_EQ(device_name_problem("a\xF0\xB0\x80\x80"
                                "b"),
            "");                                                  // U+30000, assigned in 13.0
  EXPECT_EQ(device_name_problem("a\xF3\xB0\x80\x80"), kOutside);  // U+F0000 private use
  EXPECT_EQ(device_name_problem("a\xCD\xB8"), kOutside);          // U+0378 unassigned
  EXPECT_EQ(device_name_problem("caf\xC3\xA9"), "");              // precomposed: NFC
}

TEST(RoleNames, FollowTheDeviceNameRule) {
  EXPECT_EQ(role_name_problem("sensor"), "");
  EXPECT_NE(role_name_problem("$admin"), "");
  EXPECT_NE(role_name_problem("r%"), "");
  EXPECT_NE(role_name_problem(std::string(kMaxRoleNameBytes + 1, 'r')), "");
}

TEST(ClientIds, FollowTheSameRulesWithALongerLimit) {
  EXPECT_TRUE(client_id_problem(std::string(kMaxClientIdBytes, 'c')).empty());
  EXPECT_FALSE(client_id_problem(std::string(kMaxClientIdBytes + 1, 'c')).empty());
  EXPECT_FALSE(client_id_problem("dev1/../dev2").empty());
  EXPECT_FALSE(client_id_problem("dev+").empty());
  EXPECT_FALSE(client_id_problem("$dev").empty());
  EXPECT_FALSE(client_id_problem("dev%c").empty());
}

TEST(SanValues, DnsNamesAreLdhAndUrisPrintableAsciiWithAScheme) {
  EXPECT_EQ(san_dns_problem("sensor-7.fleet.example"), "");
  EXPECT_NE(san_dns_problem("a..b"), "");
  EXPECT_NE(san_dns_problem("a b"), "");
  EXPECT_NE(san_dns_problem("\xC3\xA9.example"), "");
  EXPECT_EQ(san_uri_problem("spiffe://fleet/sensor-7"), "");
  EXPECT_NE(san_uri_problem("no-scheme"), "");
  EXPECT_NE(san_uri_problem("urn:a\xE2\x80\xAE"), "");
  EXPECT_NE(san_uri_problem("urn:a b"), "");
}

TEST(DeviceNameType, IsBuiltOnlyThroughTheRule) {
  std::string_view problem;
  EXPECT_FALSE(DeviceName::parse("$SYS", &problem).has_value());
  EXPECT_FALSE(problem.empty());
  const auto name = DeviceName::parse("sensor-7", &problem);
  ASSERT_TRUE(name.has_value());
  EXPECT_EQ(name->str(), "sensor-7");
  EXPECT_TRUE(problem.empty());
}

TEST(EscapeForDisplay, KeepsPrintableAsciiAndHexesTheRest) {
  EXPECT_EQ(escape_for_display("sensor-7"), "sensor-7");
  EXPECT_EQ(escape_for_display(std::string("a\0\xFF\xE2\x80\xAE\\", 7)),
            "a\\x00\\xff\\xe2\\x80\\xae\\x5c");
}

}  // namespace
}  // namespace certacl
