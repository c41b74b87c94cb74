#include "certacl_fw/provisioning_console.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace certacl::fw {
namespace {

using State = CertificateCollector::State;

const std::vector<std::string> kCertificate = {
    "-----BEGIN CERTIFICATE-----",
    "MIIBszCCAVmgAwIBAgIBZTAKBggqhkjOPQQDAjAbMRkwFwYDVQQDDBBmaXJtd2Fy",
    "ZSB0ZXN0IENBMB4XDTI2MTEyMzIwMDAwMFoXDTI2MTEyMzIxMDAwMFow", "-----END CERTIFICATE-----"};

State feed_all(CertificateCollector& collector, const std::vector<std::string>& lines) {
  for (const auto& line : lines) collector.feed(line);
  return collector.state();
}

TEST(FirmwareProvisioningConsole, AnnouncesTheCsrBetweenMarkers) {
  const auto lines = csr_announcement(
      "sensor-7", "-----BEGIN CERTIFICATE REQUEST-----\nABCD\n-----END CERTIFICATE REQUEST-----\n",
      2);
  const std::vector<std::string> expected = {"CERTACL-CSR-BEGIN sensor-7",
                                             "-----BEGIN CERTIFICATE REQUEST-----",
                                             "ABCD",
                                             "-----END CERTIFICATE REQUEST-----",
                                             "CERTACL-CSR-END",
                                             "CERTACL-CERT-WAIT 2"};
  EXPECT_EQ(lines, expected);
}

TEST(FirmwareProvisioningConsole, CollectsAPastedCertificate) {
  CertificateCollector collector(1);
  EXPECT_EQ(feed_all(collector, kCertificate), State::complete);
  ASSERT_EQ(collector.certificates().size(), 1u);
  EXPECT_EQ(collector.certificates().front(), kCertificate[0] + "\n" + kCertificate[1] + "\n" +
                                                  kCertificate[2] + "\n" + kCertificate[3] + "\n");
}

TEST(FirmwareProvisioningConsole, ToleratesCrLfIndentationAndChatter) {
  CertificateCollector collector(1);
  collector.feed("operator: here it comes\r\n");
  collector.feed("");
  for (const auto& line : kCertificate) collector.feed("  " + line + "\r");
  EXPECT_EQ(collector.state(), State::complete);
}

TEST(FirmwareProvisioningConsole, WaitsForAsManyCertificatesAsWanted) {
  CertificateCollector collector(2);
  EXPECT_EQ(feed_all(collector, kCertificate), State::collecting);
  EXPECT_EQ(feed_all(collector, kCertificate), State::complete);
  EXPECT_EQ(collector.certificates().size(), 2u);
}

TEST(FirmwareProvisioningConsole, RefusesAPastedPrivateKey) {
  CertificateCollector collector(1);
  EXPECT_EQ(collector.feed("-----BEGIN EC PRIVATE KEY-----"), State::failed);
  EXPECT_EQ(collector.error(),
            "expected a CERTIFICATE, got a PEM block '-----BEGIN EC PRIVATE KEY-----'");
  // Failed stays failed: later good input is not taken.
  EXPECT_EQ(feed_all(collector, kCertificate), State::failed);
  EXPECT_TRUE(collector.certificates().empty());
}

TEST(FirmwareProvisioningConsole, RefusesNonBase64InsideTheBlock) {
  CertificateCollector collector(1);
  collector.feed(kCertificate[0]);
  EXPECT_EQ(collector.feed("MIIB$%^"), State::failed);
  EXPECT_EQ(collector.error(), "the PEM certificate has a line that is not base64");
}

TEST(FirmwareProvisioningConsole, RefusesABlockCutOffByAnEmptyLine) {
  CertificateCollector collector(1);
  collector.feed(kCertificate[0]);
  collector.feed(kCertificate[1]);
  EXPECT_EQ(collector.feed(""), State::failed);
}

TEST(FirmwareProvisioningConsole, BoundsLineLengthBlockSizeAndChatter) {
  CertificateCollector long_line(1);
  EXPECT_EQ(long_line.feed(std::string(500, 'A')), State::failed);

  CertificateCollector huge(1);
  huge.feed(kCertificate[0]);
  State state = State::collecting;
  for (int i = 0; i < 1000 && state == State::collecting; ++i)
    state = huge.feed(std::string(64, 'A'));
  EXPECT_EQ(state, State::failed);
  EXPECT_EQ(huge.error(), "the PEM certificate is larger than 8192 bytes");

  CertificateCollector chatty(1);
  state = State::collecting;
  for (int i = 0; i < 1000 && state == State::collecting; ++i) state = chatty.feed("noise");
  EXPECT_EQ(state, State::failed);
  EXPECT_EQ(chatty.error(), "too many lines that are not a PEM certificate");
}

}  // namespace
}  // namespace certacl::fw
