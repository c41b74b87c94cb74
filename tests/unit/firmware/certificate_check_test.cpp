#include "certacl_fw/certificate_check.h"

#include <gtest/gtest.h>

#include <string>

#include "certacl_fw/certificate_request.h"
#include "firmware_test_support.h"
#include "test_ca.h"

namespace certacl::fw {
namespace {

class FirmwareCertificateCheck : public ::testing::Test {
 protected:
  std::string issue(const DeviceKey& for_key, const std::string& name,
                    test::SignOptions options = {}) {
    return ca.sign(make_certificate_request(for_key, name, *random).value(), options);
  }
  Status check(const std::string& certificate, const std::string& ca_pem) {
    return check_device_certificate(certificate, ca_pem, key, "sensor-7", *random);
  }

  std::unique_ptr<Random> random = test::make_random();
  DeviceKey key = DeviceKey::generate(*random).value();
  test::TestCa ca;
};

TEST_F(FirmwareCertificateCheck, AcceptsItsOwnCertificate) {
  const auto status = check(issue(key, "sensor-7"), ca.certificate_pem());
  EXPECT_TRUE(status.ok()) << status.error();
}

TEST_F(FirmwareCertificateCheck, RefusesACertificateForAnotherKey) {
  const auto other = DeviceKey::generate(*random).value();
  const auto status = check(issue(other, "sensor-7"), ca.certificate_pem());
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error(), "the device certificate is for another key, not this device's");
}

TEST_F(FirmwareCertificateCheck, RefusesACertificateForAnotherName) {
  test::SignOptions options;
  options.common_name = "sensor-8";
  const auto status = check(issue(key, "sensor-7", options), ca.certificate_pem());
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error(), "the device certificate names 'sensor-8', not this device 'sensor-7'");
}

TEST_F(FirmwareCertificateCheck, RefusesACertificateFromAnotherCa) {
  test::TestCa stranger("stranger CA");
  const auto status =
      check(stranger.sign(make_certificate_request(key, "sensor-7", *random).value()),
            ca.certificate_pem());
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().find("does not verify against the CA certificate"), std::string::npos)
      << status.error();
}

TEST_F(FirmwareCertificateCheck, RefusesAnExpiredCertificate) {
  test::SignOptions options;
  options.valid_from_offset_seconds = -7200;
  options.valid_for_seconds = 3600;
  const auto status = check(issue(key, "sensor-7", options), ca.certificate_pem());
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().find("expired"), std::string::npos) << status.error();
}

TEST_F(FirmwareCertificateCheck, RefusesAServerOnlyCertificate) {
  test::SignOptions options;
  options.extended_key_usage = "serverAuth";
  const auto status = check(issue(key, "sensor-7", options), ca.certificate_pem());
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error(), "the device certificate is not valid for TLS client authentication");
}

TEST_F(FirmwareCertificateCheck, RefusesMalformedPem) {
  auto status = check("not a certificate", ca.certificate_pem());
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error(), "cannot read the device certificate: no PEM certificate");
  status =
      check("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", ca.certificate_pem());
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().find("cannot read the device certificate"), std::string::npos);
  status = check(issue(key, "sensor-7"), "");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error(), "cannot read the CA certificate: no PEM certificate");
}

TEST_F(FirmwareCertificateCheck, ReadsTheCommonName) {
  auto name = certificate_common_name(issue(key, "hall,2"));
  ASSERT_TRUE(name.ok()) << name.error();
  EXPECT_EQ(name.value(), "hall,2");
}

}  // namespace
}  // namespace certacl::fw
