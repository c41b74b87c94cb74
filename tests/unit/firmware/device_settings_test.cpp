#include "certacl_fw/device_settings.h"

#include <gtest/gtest.h>

#include <map>

#include "test_ca.h"

namespace certacl::fw {
namespace {

class FirmwareDeviceSettings : public ::testing::Test {
 protected:
  Result<DeviceSettings> read(bool require_wifi = false) {
    return read_device_settings(
        [this](std::string_view key) -> std::optional<std::string> {
          const auto found = values.find(std::string(key));
          if (found == values.end()) return std::nullopt;
          return found->second;
        },
        require_wifi);
  }
  test::TestCa ca;
  std::map<std::string, std::string> values{{"name", "sensor-7"},
                                            {"token", "abc"},
                                            {"est_url", "https://ca.example:8443"},
                                            {"broker_url", "mqtts://broker.example"},
                                            {"ca_cert", ca.certificate_pem()}};
};

TEST_F(FirmwareDeviceSettings, ReadsEveryValueWithDefaults) {
  auto settings = read();
  ASSERT_TRUE(settings.ok()) << settings.error();
  EXPECT_EQ(settings.value().est.host, "ca.example");
  EXPECT_EQ(settings.value().est.port, 8443);
  EXPECT_EQ(settings.value().broker.port, 8883);
  EXPECT_EQ(settings.value().publish_interval_s, 30u);
  EXPECT_EQ(settings.value().topic(settings.value().command_topic), "cmd/sensor-7");
  EXPECT_EQ(settings.value().topic(settings.value().telemetry_topic), "factory/sensor-7/telemetry");
}

TEST_F(FirmwareDeviceSettings, RefusesWhatIsMissingOrMalformed) {
  values.erase("name");
  EXPECT_EQ(read().error(), "setting 'name' is not set");
  values["name"] = "bad/name";
  EXPECT_NE(read().error().find("setting 'name'"), std::string::npos);
  values["name"] = "sensor-7";
  values["est_url"] = "http://ca.example";
  EXPECT_NE(read().error().find("does not start with https://"), std::string::npos);
  values["est_url"] = "https://ca.example:99999";
  EXPECT_NE(read().error().find("bad port"), std::string::npos);
  values["est_url"] = "https://ca.example";
  values["ca_cert"] = "not a certificate";
  EXPECT_FALSE(read().ok());
  values["ca_cert"] = ca.certificate_pem();
  values["interval_s"] = "0";
  EXPECT_NE(read().error().find("interval_s"), std::string::npos);
  values["interval_s"] = "60";
  EXPECT_NE(read(/*require_wifi=*/true).error().find("wifi_ssid"), std::string::npos);
  values["wifi_ssid"] = "plant-3";
  EXPECT_TRUE(read(true).ok());
}

}  // namespace
}  // namespace certacl::fw
