// simplereenroll over mutual TLS with curl --cert/--key: renewal with a new or the same
// key, the replaced certificate revoked as 'superseded' once the overlap ends, and every
// certificate that must not renew: revoked, expired, never recorded, absent, another
// device's CSR, a key revoked for keyCompromise, a disabled device.
#include <chrono>
#include <thread>

#include "certacl_test/files.h"
#include "est_world.h"

namespace certacl::test {
namespace {

using namespace std::chrono_literals;

class EstReenrollTest : public EstWorld {
 protected:
  void SetUp() override {
    EstWorld::SetUp();
    start_server({"--supersede-after", "2s"});
  }

  std::string status_line(const std::string& device, const std::string& serial) {
    const std::string out = ca_->run({"device", "show", device}).out;
    const std::size_t at = out.find(serial);
    return at == std::string::npos ? std::string{} : out.substr(at, out.find('\n', at) - at);
  }

  void expect_refused(const HttpAnswer& answer, int status, const std::string& reason) {
    EXPECT_EQ(answer.status, status)
        << answer.headers << answer.body << answer.curl_error << server_log();
    EXPECT_NE(answer.body.find(reason), std::string::npos) << answer.body;
  }
};

TEST_F(EstReenrollTest, RenewsWithANewKeyAndKeepsTheOldCertificateDuringTheOverlap) {
  const std::string first = enrolled("dev1", "dev1");
  const HttpAnswer answer = reenroll(first, key_of("dev1"), make_csr("dev1-new", "/CN=dev1"));
  ASSERT_EQ(answer.status, 200) << answer.body << server_log();
  const std::string second = certificate_file(answer, "dev1-second");
  EXPECT_NE(serial_of(first), serial_of(second));
  EXPECT_EQ(run_command({"openssl", "verify", "-CAfile", ca_->ca_cert_path(), second}).exit_code,
            0);
  EXPECT_NE(status_line("dev1", serial_of(first)).find("valid"), std::string::npos);
  EXPECT_NE(audit("dev1").find("est-reenroll"), std::string::npos);
}

TEST_F(EstReenrollTest, ReplacedCertificateIsRevokedAsSupersededWhenTheOverlapEnds) {
  const std::string first = enrolled("dev1", "dev1");
  ASSERT_EQ(reenroll(first, key_of("dev1"), make_csr("dev1-new", "/CN=dev1")).status, 200);
  const std::string old_serial = serial_of(first);
  bool revoked = false;
  for (int i = 0; i < 50 && !revoked; ++i) {  // overlap 2s, sweep every 1s: 10s at most
    revoked = status_line("dev1", old_serial).find("revoked") != std::string::npos;
    if (!revoked) std::this_thread::sleep_for(200ms);
  }
  EXPECT_TRUE(revoked) << server_log();
  EXPECT_NE(audit("dev1").find("superseded"), std::string::npos) << audit("dev1");
  // And it can no longer renew.
  expect_refused(reenroll(first, key_of("dev1"), make_csr("dev1-again", "/CN=dev1")), 403,
                 "revoked (superseded)");
}

TEST_F(EstReenrollTest, RenewsWithTheSameKey) {
  const std::string first = enrolled("dev1", "dev1");
  const std::string same_key_csr = make_csr_for_key("same", key_of("dev1"), "/CN=dev1");
  EXPECT_EQ(reenroll(first, key_of("dev1"), same_key_csr).status, 200) << server_log();
}

TEST_F(EstReenrollTest, RevokedCertificateCannotRenew) {
  const std::string first = enrolled("dev1", "dev1");
  ca_->revoke(serial_of(first));
  expect_refused(reenroll(first, key_of("dev1"), make_csr("n", "/CN=dev1")), 403, "is revoked");
}

TEST_F(EstReenrollTest, ExpiredCertificateCannotRenew) {
  const IssuedCertificate expired = ca_->enroll("dev1", {"--days", "1", "--backdate-days", "2"});
  expect_refused(reenroll(expired.cert_path, expired.key_path, make_csr("n", "/CN=dev1")), 403,
                 "not within its validity");
}

TEST_F(EstReenrollTest, CertificateSignedByTheCaKeyButNeverRecordedCannotRenew) {
  const IssuedCertificate forged = ca_->sign_unrecorded("forged", "/CN=dev1");
  expect_refused(reenroll(forged.cert_path, forged.key_path, make_csr("n", "/CN=dev1")), 403,
                 "not issued by this CA's registry");
  EXPECT_NE(audit("dev1").find("est-reenroll-refused"), std::string::npos);
}

TEST_F(EstReenrollTest, NoClientCertificateIsRefused) {
  const HttpAnswer answer = curl({"--data-binary", "@" + make_csr("n", "/CN=dev1"), "-H",
                                  "Content-Type: application/pkcs10", url("simplereenroll")});
  expect_refused(answer, 403, "needs the device's current certificate");
}

TEST_F(EstReenrollTest, CsrMustNameTheCertificatesDevice) {
  const std::string first = enrolled("dev1", "dev1");
  expect_refused(reenroll(first, key_of("dev1"), make_csr("n", "/CN=dev2")), 400,
                 "CSR names 'dev2', not the authenticated device 'dev1'");
}

TEST_F(EstReenrollTest, KeyRevokedForKeyCompromiseIsRefused) {
  const std::string first = enrolled("dev1", "dev1");
  const HttpAnswer renewed = reenroll(first, key_of("dev1"), make_csr("dev1-new", "/CN=dev1"));
  ASSERT_EQ(renewed.status, 200);
  const std::string second = certificate_file(renewed, "dev1-second");
  ca_->run({"revoke", serial_of(first), "--reason", "keyCompromise"});
  // Renewing from the good certificate but asking to go back to the compromised key.
  const std::string old_key_csr = make_csr_for_key("old-key", key_of("dev1"), "/CN=dev1");
  expect_refused(reenroll(second, key_of("dev1-new"), old_key_csr), 400, "keyCompromise");
}

TEST_F(EstReenrollTest, DisabledDeviceCannotRenew) {
  const std::string first = enrolled("dev1", "dev1");
  ca_->disable("dev1");
  expect_refused(reenroll(first, key_of("dev1"), make_csr("n", "/CN=dev1")), 403, "disabled");
}

}  // namespace
}  // namespace certacl::test
