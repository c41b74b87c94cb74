// The factory CSV (ESP-IDF nvs_partition_gen format) read on the host, including the example
// shipped in firmware-esp32/idf/factory/, so the documented file is known to be complete.
#include "certacl_fw_host/factory_csv.h"

#include <gtest/gtest.h>

#include <fstream>

#include "certacl_fw/device_settings.h"
#include "certacl_test/files.h"
#include "test_ca.h"

namespace certacl::fw {
namespace {

class FirmwareFactoryCsv : public ::testing::Test {
 protected:
  std::string write(const std::string& name, const std::string& text) {
    const std::string path = dir.path() + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
  certacl::test::TempDir dir;
  test::TestCa ca;
};

TEST_F(FirmwareFactoryCsv, TheShippedExampleGivesCompleteSettings) {
  std::ifstream example(CERTACL_FACTORY_EXAMPLE_CSV);
  ASSERT_TRUE(example) << CERTACL_FACTORY_EXAMPLE_CSV;
  std::string text((std::istreambuf_iterator<char>(example)), std::istreambuf_iterator<char>());
  write("ca.pem", ca.certificate_pem());
  auto values = host::read_factory_csv(write("factory.csv", text));
  ASSERT_TRUE(values.ok()) << values.error();
  auto settings = read_device_settings(
      [&](std::string_view key) -> std::optional<std::string> {
        const auto found = values.value().find(std::string(key));
        if (found == values.value().end()) return std::nullopt;
        return found->second;
      },
      /*require_wifi=*/true);
  ASSERT_TRUE(settings.ok()) << settings.error();
  EXPECT_EQ(settings.value().name, "sensor-7");
  EXPECT_EQ(settings.value().est.port, 8443);
  EXPECT_EQ(settings.value().ca_certificate_pem, ca.certificate_pem());
}

TEST_F(FirmwareFactoryCsv, OnlyTheCertaclNamespaceIsTaken) {
  auto values = host::read_factory_csv(
      write("f.csv",
            "key,type,encoding,value\nother,namespace,,\nname,data,string,x\n"
            "certacl,namespace,,\nname,data,string,sensor-9\nurl,data,string,a,b\n"));
  ASSERT_TRUE(values.ok()) << values.error();
  EXPECT_EQ(values.value().at("name"), "sensor-9");
  EXPECT_EQ(values.value().at("url"), "a,b");
}

TEST_F(FirmwareFactoryCsv, MalformedRowsAreOneLineErrorsWithTheRow) {
  EXPECT_NE(host::read_factory_csv(write("a.csv", "certacl,namespace,,\nname,data\n"))
                .error()
                .find("a.csv:2"),
            std::string::npos);
  EXPECT_FALSE(host::read_factory_csv(write("b.csv", "certacl,namespace,,\nn,data,u8,1\n")).ok());
  EXPECT_FALSE(
      host::read_factory_csv(write("c.csv", "certacl,namespace,,\nca,file,string,missing.pem\n"))
          .ok());
  EXPECT_FALSE(host::read_factory_csv(
                   write("d.csv", "certacl,namespace,,\nkey-that-is-too-long,data,string,x\n"))
                   .ok());
  EXPECT_FALSE(host::read_factory_csv(dir.path() + "/absent.csv").ok());
}

}  // namespace
}  // namespace certacl::fw
