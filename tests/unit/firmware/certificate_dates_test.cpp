// The core checks certificate dates itself, whether or not Mbed TLS was built with
// MBEDTLS_HAVE_TIME_DATE (CI builds it both ways), and refuses when the clock is not set.
#include "certacl_fw/certificate_dates.h"

#include <gtest/gtest.h>

#include "certacl_fw/certificate_check.h"
#include "certacl_fw/certificate_request.h"
#include "firmware_test_support.h"
#include "test_ca.h"

namespace certacl::fw {
namespace {

UnixSeconds clock_of_1970() {
  return 12;
}

class FirmwareCertificateDates : public ::testing::Test {
 protected:
  std::string issue(const test::SignOptions& options = {}) {
    return ca.sign(make_certificate_request(key, "sensor-7", *random).value(), options);
  }
  std::unique_ptr<Random> random = test::make_random();
  DeviceKey key = DeviceKey::generate(*random).value();
  test::TestCa ca;
};

TEST_F(FirmwareCertificateDates, ReadsTheValidityPeriod) {
  test::SignOptions options;
  options.valid_from_offset_seconds = -60;
  options.valid_for_seconds = 3600;
  const UnixSeconds now = wall_clock_now();
  const auto validity = certificate_validity(issue(options));
  ASSERT_TRUE(validity.ok()) << validity.error();
  EXPECT_NEAR(static_cast<double>(validity.value().not_before), static_cast<double>(now - 60), 5);
  EXPECT_EQ(validity.value().lifetime(), 3600);
}

TEST_F(FirmwareCertificateDates, AnUnsetClockRefusesEveryCertificate) {
  const std::string certificate = issue();
  ScopedWallClock unset(clock_of_1970);
  const auto status =
      check_device_certificate(certificate, ca.certificate_pem(), key, "sensor-7", *random);
  ASSERT_FALSE(status.ok());
  const auto direct = check_validity(certificate_validity(certificate).value(), wall_clock_now(),
                                     "the device certificate");
  EXPECT_NE(direct.error().find("clock is not set"), std::string::npos) << direct.error();
}

TEST_F(FirmwareCertificateDates, ANotYetValidCertificateIsRefused) {
  test::SignOptions options;
  options.valid_from_offset_seconds = 3600;
  const auto status =
      check_device_certificate(issue(options), ca.certificate_pem(), key, "sensor-7", *random);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().find("future"), std::string::npos) << status.error();
}

TEST_F(FirmwareCertificateDates, CheckValidityNamesTheReason) {
  const Validity validity{1'800'000'000, 1'800'000'600};
  EXPECT_TRUE(check_validity(validity, 1'800'000'001, "x").ok());
  EXPECT_EQ(check_validity(validity, 1'800'000'601, "x").error(), "x has expired");
  EXPECT_EQ(check_validity(validity, 1'799'999'999, "x").error(), "x is not valid yet");
}

}  // namespace
}  // namespace certacl::fw
