// simpleenroll, cacerts, csrattrs with curl + openssl, and every way a first enrollment
// is refused: each refusal is the RFC 7030 status with a one-line reason, consumes no
// token, issues nothing, and failures of authenticated attempts are in the audit log.
#include <chrono>
#include <thread>

#include "certacl_test/files.h"
#include "est_world.h"

namespace certacl::test {
namespace {

using namespace std::chrono_literals;

class EstEnrollTest : public EstWorld {
 protected:
  void SetUp() override {
    EstWorld::SetUp();
    start_server();
  }

  int certificate_count(const std::string& device) {
    const std::string out = ca_->run({"device", "show", device}).out;
    const std::size_t at = out.find("certificates: ");
    return at == std::string::npos ? -1 : std::atoi(out.c_str() + at + 14);
  }

  // A refused enrollment: status, one-line body, nothing issued.
  void expect_refused(const HttpAnswer& answer, int status, const std::string& reason) {
    EXPECT_EQ(answer.status, status) << answer.headers << answer.body << answer.curl_error;
    EXPECT_NE(answer.body.find(reason), std::string::npos) << answer.body;
    EXPECT_EQ(std::count(answer.body.begin(), answer.body.end(), '\n'), 1) << answer.body;
    EXPECT_EQ(certificate_count("dev1"), 0);
  }
};

TEST_F(EstEnrollTest, CacertsIsTheCaCertificateAsCertsOnlyPkcs7) {
  const HttpAnswer answer = curl({url("cacerts")});
  ASSERT_EQ(answer.status, 200) << answer.curl_error;
  EXPECT_TRUE(answer.has_header("application/pkcs7-mime")) << answer.headers;
  const std::string pem = certificate_file(answer, "cacerts");
  const CommandResult served =
      run_command({"openssl", "x509", "-noout", "-fingerprint", "-sha256", "-in", pem});
  const CommandResult exported = run_command(
      {"openssl", "x509", "-noout", "-fingerprint", "-sha256", "-in", ca_->ca_cert_path()});
  EXPECT_FALSE(served.out.empty());
  EXPECT_EQ(served.out, exported.out);
}

TEST_F(EstEnrollTest, CsrattrsAsksForP256WithEcdsaSha256) {
  const HttpAnswer answer = curl({url("csrattrs")});
  ASSERT_EQ(answer.status, 200);
  EXPECT_TRUE(answer.has_header("application/csrattrs")) << answer.headers;
  write_file(ca_->dir().file("attrs.b64"), answer.body);
  const CommandResult parsed = run_command(
      {"bash", "-c",
       "base64 -d < '" + ca_->dir().file("attrs.b64") + "' | openssl asn1parse -inform DER"});
  EXPECT_NE(parsed.out.find("prime256v1"), std::string::npos) << parsed.out;
  EXPECT_NE(parsed.out.find("ecdsa-with-SHA256"), std::string::npos) << parsed.out;
}

TEST_F(EstEnrollTest, TokenEnrollmentIssuesARecordedCertificateChainingToTheCa) {
  const std::string csr = make_csr("dev1", "/CN=dev1");
  const std::string secret = token("dev1");
  const HttpAnswer answer = enroll("dev1", secret, csr);
  ASSERT_EQ(answer.status, 200) << answer.body << server_log();
  EXPECT_EQ(server_log().find(secret), std::string::npos) << "the server logged the token";
  EXPECT_TRUE(answer.has_header("application/pkcs7-mime")) << answer.headers;
  const std::string pem = certificate_file(answer, "dev1");
  const CommandResult verify =
      run_command({"openssl", "verify", "-CAfile", ca_->ca_cert_path(), pem});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  const CommandResult key_matches = run_command(
      {"bash", "-c",
       "[ \"$(openssl x509 -in '" + pem + "' -noout -pubkey)\" = \"$(openssl pkey -in '" +
           key_of("dev1") + "' -pubout)\" ]"});
  EXPECT_EQ(key_matches.exit_code, 0);
  EXPECT_EQ(certificate_count("dev1"), 1);
  EXPECT_NE(audit("dev1").find("est-enroll"), std::string::npos);
}

TEST_F(EstEnrollTest, LifetimeOfTheServerApplies) {
  const std::string pem = enrolled("dev1", "dev1");
  // --lifetime 10m (EstWorld): expires within 11 minutes, not in a year.
  EXPECT_EQ(run_command({"openssl", "x509", "-checkend", "660", "-noout", "-in", pem}).exit_code,
            1);
  EXPECT_EQ(run_command({"openssl", "x509", "-checkend", "500", "-noout", "-in", pem}).exit_code,
            0);
}

TEST_F(EstEnrollTest, WrongTokenIs401WithChallengeAndAudited) {
  (void)token("dev1");
  const HttpAnswer answer = enroll("dev1", "not-the-token", make_csr("dev1", "/CN=dev1"));
  expect_refused(answer, 401, "unknown token");
  EXPECT_TRUE(answer.has_header("WWW-Authenticate: Basic")) << answer.headers;
  EXPECT_NE(audit("dev1").find("est-enroll-refused"), std::string::npos);
}

TEST_F(EstEnrollTest, MissingCredentialsAre401) {
  const HttpAnswer answer = curl({"--data-binary", "@" + make_csr("dev1", "/CN=dev1"), "-H",
                                  "Content-Type: application/pkcs10", url("simpleenroll")});
  expect_refused(answer, 401, "HTTP Basic authentication required");
  EXPECT_TRUE(answer.has_header("WWW-Authenticate: Basic")) << answer.headers;
}

TEST_F(EstEnrollTest, ExpiredTokenIsRefused) {
  const std::string secret = token("dev1", "1s");
  std::this_thread::sleep_for(2100ms);
  expect_refused(enroll("dev1", secret, make_csr("dev1", "/CN=dev1")), 401, "token expired");
}

TEST_F(EstEnrollTest, UsedTokenIsRefusedTheSecondTime) {
  const std::string secret = token("dev1");
  const std::string csr = make_csr("dev1", "/CN=dev1");
  ASSERT_EQ(enroll("dev1", secret, csr).status, 200);
  const HttpAnswer again = enroll("dev1", secret, csr);
  EXPECT_EQ(again.status, 401);
  EXPECT_NE(again.body.find("token already used"), std::string::npos) << again.body;
  EXPECT_EQ(certificate_count("dev1"), 1);
}

TEST_F(EstEnrollTest, RevokedTokenIsRefused) {
  const std::string secret = token("dev1");
  EXPECT_NE(ca_->run({"device", "token-revoke", "dev1"}).out.find("revoked=1"), std::string::npos);
  expect_refused(enroll("dev1", secret, make_csr("dev1", "/CN=dev1")), 401, "token revoked");
  const std::string log = audit("dev1");
  EXPECT_NE(log.find("token-create"), std::string::npos) << log;
  EXPECT_NE(log.find("token-revoke"), std::string::npos) << log;
  EXPECT_EQ(log.find(secret), std::string::npos) << "the audit log holds the token itself";
}

TEST_F(EstEnrollTest, ANewTokenReplacesTheUnusedOne) {
  const std::string first = token("dev1");
  (void)token("dev1");
  expect_refused(enroll("dev1", first, make_csr("dev1", "/CN=dev1")), 401, "token revoked");
}

TEST_F(EstEnrollTest, TokenOfAnotherDeviceIsRefused) {
  const std::string secret_of_dev2 = token("dev2");
  expect_refused(enroll("dev1", secret_of_dev2, make_csr("dev1", "/CN=dev1")), 401,
                 "token belongs to another device");
  EXPECT_EQ(certificate_count("dev2"), 0);
}

TEST_F(EstEnrollTest, CsrNamingAnotherDeviceIs400AndKeepsTheToken) {
  const std::string secret = token("dev1");
  expect_refused(enroll("dev1", secret, make_csr("dev2", "/CN=dev2")), 400,
                 "CSR names 'dev2', not the authenticated device 'dev1'");
  EXPECT_EQ(certificate_count("dev2"), 0);
  // The refusal rolled back: the token still works with a correct CSR.
  EXPECT_EQ(enroll("dev1", secret, make_csr("dev1", "/CN=dev1")).status, 200);
}

TEST_F(EstEnrollTest, CsrWithABadSignatureIs400) {
  // Flip one byte inside the signature (the last bytes of the DER) and re-encode.
  const std::string csr = make_csr("dev1", "/CN=dev1");
  const std::string bad = ca_->dir().file("bad.csr.b64");
  const CommandResult flipped = run_command(
      {"bash", "-c",
       "base64 -d < '" + csr +
           "' > bad.der && size=$(stat -c %s bad.der) && "
           "printf '\\x00' | dd of=bad.der bs=1 seek=$((size-3)) conv=notrunc status=none && "
           "base64 < bad.der > '" +
           bad + "'"},
      CommandOptions{{}, std::nullopt, std::chrono::seconds(10), ca_->dir().path()});
  ASSERT_EQ(flipped.exit_code, 0) << flipped.err;
  expect_refused(enroll("dev1", token("dev1"), bad), 400, "bad CSR");
}

TEST_F(EstEnrollTest, OversizedBodyIs413) {
  const std::string big = ca_->dir().file("big.b64");
  write_file(big, std::string(20000, 'A'));
  const HttpAnswer answer = enroll("dev1", token("dev1"), big);
  EXPECT_EQ(answer.status, 413) << answer.headers << answer.curl_error;
  EXPECT_EQ(certificate_count("dev1"), 0);
}

TEST_F(EstEnrollTest, WrongContentTypeIs415) {
  expect_refused(enroll("dev1", token("dev1"), make_csr("dev1", "/CN=dev1"), "text/plain"), 415,
                 "Content-Type must be application/pkcs10");
}

TEST_F(EstEnrollTest, NonBase64BodyIs400) {
  const std::string junk = ca_->dir().file("junk.txt");
  write_file(junk, "this is *not* base64!\n");
  expect_refused(enroll("dev1", token("dev1"), junk), 400, "body is not base64");
}

TEST_F(EstEnrollTest, Base64ThatIsNotACsrIs400) {
  const std::string junk = ca_->dir().file("junk.b64");
  write_file(junk, "aGVsbG8gd29ybGQ=\n");
  expect_refused(enroll("dev1", token("dev1"), junk), 400, "not a DER PKCS#10");
}

TEST_F(EstEnrollTest, ClientChosenNamesCannotForgeLogLines) {
  const HttpAnswer answer =
      enroll("x\ncertacl-ca serve: simpleenroll 200 device=forged", "t", make_csr("x", "/CN=x"));
  EXPECT_EQ(answer.status, 401);
  EXPECT_EQ(server_log().find("\ncertacl-ca serve: simpleenroll 200 device=forged"),
            std::string::npos)
      << server_log();
}

TEST_F(EstEnrollTest, DisabledDeviceIs403) {
  const std::string secret = token("dev1");
  ca_->disable("dev1");
  expect_refused(enroll("dev1", secret, make_csr("dev1", "/CN=dev1")), 403, "disabled");
}

}  // namespace
}  // namespace certacl::test
