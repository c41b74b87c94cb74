#include "certacl_fw/est_client.h"

#include <gtest/gtest.h>

#include "certacl_fw/certificate_check.h"
#include "certacl_fw/certificate_request.h"
#include "est_test_peer.h"
#include "firmware_test_support.h"

namespace certacl::fw {
namespace {

class FirmwareEstClient : public ::testing::Test {
 protected:
  std::unique_ptr<Random> random = test::make_random();
  test::TestCa ca;
  test::EstTestPeer peer{ca, "sensor-7", "one-time-token"};
  EstClient est{peer};

  std::string csr() {
    auto key = DeviceKey::generate(*random);
    return make_certificate_request(key.value(), "sensor-7", *random).value();
  }
};

TEST_F(FirmwareEstClient, TakesTheCaCertificatesOutOfPkcs7) {
  auto certificates = est.ca_certificates();
  ASSERT_TRUE(certificates.ok()) << certificates.error();
  ASSERT_EQ(certificates.value().size(), 1u);
  EXPECT_EQ(certificate_common_name(certificates.value()[0]).value(), "firmware test CA");
  EXPECT_EQ(peer.seen.at(0).path, "/.well-known/est/cacerts");
}

TEST_F(FirmwareEstClient, EnrollSendsTheCsrAsBase64WithBasicAuth) {
  auto certificate = est.simple_enroll(csr(), BasicAuth{"sensor-7", "one-time-token"});
  ASSERT_TRUE(certificate.ok()) << certificate.error();
  EXPECT_EQ(certificate_common_name(certificate.value()).value(), "sensor-7");
  const auto& request = peer.seen.at(0);
  EXPECT_EQ(request.path, "/.well-known/est/simpleenroll");
  EXPECT_EQ(request.content_type, "application/pkcs10");
  EXPECT_TRUE(request.basic_auth);
  EXPECT_EQ(request.body.find_first_of("\n -"), std::string::npos) << "PEM armour left in the body";
}

TEST_F(FirmwareEstClient, ARefusedTokenIsAOneLineFailure) {
  const auto refused = est.simple_enroll(csr(), BasicAuth{"sensor-7", "wrong"});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().find("HTTP 401"), std::string::npos) << refused.error();
  EXPECT_EQ(refused.error().find('\n'), std::string::npos);
}

TEST_F(FirmwareEstClient, ATokenWorksOnce) {
  ASSERT_TRUE(est.simple_enroll(csr(), BasicAuth{"sensor-7", "one-time-token"}).ok());
  EXPECT_FALSE(est.simple_enroll(csr(), BasicAuth{"sensor-7", "one-time-token"}).ok());
}

TEST_F(FirmwareEstClient, NoAnswerIsAFailureNamingTheOperation) {
  peer.unreachable = true;
  const auto failed = est.ca_certificates();
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error(), "EST cacerts failed: connection refused");
}

TEST_F(FirmwareEstClient, RefusesAnswersThatAreNotPkcs7CertsOnly) {
  EXPECT_FALSE(certificates_from_pkcs7_base64("").ok());
  EXPECT_FALSE(certificates_from_pkcs7_base64("not base64 !!").ok());
  EXPECT_FALSE(certificates_from_pkcs7_base64("MAA=").ok());  // an empty SEQUENCE
  // A certificate alone (base64 DER) is not a PKCS#7 message.
  const auto body = pem_body_base64(ca.certificate_pem());
  ASSERT_TRUE(body.ok());
  const auto refused = certificates_from_pkcs7_base64(body.value());
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().find("not a PKCS#7 certs-only message"), std::string::npos);
}

TEST_F(FirmwareEstClient, ReadsBase64WithLineBreaks) {
  std::string body = test::pkcs7_certs_only_base64({ca.certificate_pem()});
  for (std::size_t i = 64; i < body.size(); i += 65) body.insert(i, "\n");
  const auto certificates = certificates_from_pkcs7_base64(body);
  ASSERT_TRUE(certificates.ok()) << certificates.error();
  EXPECT_EQ(certificates.value().size(), 1u);
}

TEST_F(FirmwareEstClient, EveryTruncationOfAnAnswerIsRefusedWithoutCrashing) {
  const std::string body = test::pkcs7_certs_only_base64({ca.certificate_pem()});
  // Base64 of a truncated DER: cut in 4-character steps so the base64 itself stays valid.
  for (std::size_t length = 4; length + 4 < body.size(); length += 4) {
    EXPECT_FALSE(certificates_from_pkcs7_base64(body.substr(0, length)).ok()) << length;
  }
}

}  // namespace
}  // namespace certacl::fw
