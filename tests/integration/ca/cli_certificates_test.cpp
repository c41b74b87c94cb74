// Certificates and CRLs made by certacl-ca, checked by the openssl CLI.

#include <gtest/gtest.h>

#include "certacl_test/files.h"
#include "certacl_test/paths.h"
#include "cli_world.h"

namespace certacl::ca::test {
namespace {

using certacl::test::CaFixture;
using certacl::test::file_mode;
using certacl::test::read_file;

class CliCertificates : public ::testing::Test {
 protected:
  void SetUp() override {
    ca_.add_role("sensor");
    ca_.add_device("dev1", "sensor");
  }
  CaFixture ca_;
};

TEST_F(CliCertificates, EnrolledDeviceCertificateVerifiesAsClient) {
  const auto issued = ca_.enroll("dev1");
  const auto verify =
      openssl({"verify", "-CAfile", ca_.ca_cert_path(), "-purpose", "sslclient", issued.cert_path});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  const auto server_use =
      openssl({"verify", "-CAfile", ca_.ca_cert_path(), "-purpose", "sslserver", issued.cert_path});
  EXPECT_NE(server_use.exit_code, 0) << "a device certificate must not work as a server";
  EXPECT_EQ(file_mode(issued.key_path) & 0777, 0600u);
  EXPECT_EQ(file_mode(issued.cert_path) & 0777, 0644u);
  const auto text = openssl({"x509", "-in", issued.cert_path, "-noout", "-serial", "-subject"});
  EXPECT_NE(text.out.find("serial=" + issued.serial), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("subject=CN = dev1"), std::string::npos) << text.out;
}

TEST_F(CliCertificates, ServerCertificateVerifiesAsServerAndKeysAreProtected) {
  const auto verify = openssl(
      {"verify", "-CAfile", ca_.ca_cert_path(), "-purpose", "sslserver", ca_.server_cert_path()});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_EQ(file_mode(ca_.server_key_path()) & 0777, 0600u);
  EXPECT_EQ(file_mode(ca_.ca_key_path()) & 0777, 0600u);
  const auto check = openssl({"x509", "-in", ca_.server_cert_path(), "-noout", "-checkip",
                              "127.0.0.1", "-checkhost", "localhost"});
  EXPECT_NE(check.out.find("IP 127.0.0.1 does match certificate"), std::string::npos) << check.out;
  EXPECT_NE(check.out.find("Hostname localhost does match certificate"), std::string::npos)
      << check.out;
}

TEST_F(CliCertificates, CaCertificateIsACa) {
  const auto text = openssl({"x509", "-in", ca_.ca_cert_path(), "-noout", "-ext",
                             "basicConstraints,keyUsage,subjectKeyIdentifier"});
  EXPECT_NE(text.out.find("critical"), std::string::npos);
  EXPECT_NE(text.out.find("CA:TRUE"), std::string::npos);
  EXPECT_NE(text.out.find("Certificate Sign, CRL Sign"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("Subject Key Identifier"), std::string::npos);
}

TEST_F(CliCertificates, SignedCsrGetsCaChosenExtensionsOnly) {
  const std::string csr = openssl_csr(ca_, "evil", "/CN=dev1/O=evil");
  const auto result =
      ca_.run({"sign", "--csr", csr, "--out", ca_.dir().file("evil.pem"), "--days", "30"});
  EXPECT_FALSE(printed_serial(result.out).empty());
  const auto text = openssl({"x509", "-in", ca_.dir().file("evil.pem"), "-noout", "-subject",
                             "-ext", "basicConstraints,extendedKeyUsage"});
  EXPECT_NE(text.out.find("subject=CN = dev1\n"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("CA:FALSE"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("TLS Web Client Authentication"), std::string::npos) << text.out;
}

TEST_F(CliCertificates, CrlIsReadableByOpensslAndRevokes) {
  const auto kept = ca_.enroll("dev1");
  const auto revoked = ca_.enroll("dev1");
  const auto result = ca_.run({"revoke", revoked.serial, "--reason", "keyCompromise"});
  EXPECT_NE(result.out.find(revoked.serial), std::string::npos);
  const std::string crl = ca_.write_crl();
  const auto text = openssl({"crl", "-in", crl, "-noout", "-text", "-CAfile", ca_.ca_cert_path()});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.err.find("verify OK"), std::string::npos) << text.err;
  EXPECT_NE(text.out.find(revoked.serial), std::string::npos);
  EXPECT_EQ(text.out.find(kept.serial), std::string::npos);
  EXPECT_NE(text.out.find("Key Compromise"), std::string::npos);
  const auto bad = openssl(
      {"verify", "-crl_check", "-CAfile", ca_.ca_cert_path(), "-CRLfile", crl, revoked.cert_path});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE((bad.out + bad.err).find("certificate revoked"), std::string::npos);
  const auto good = openssl(
      {"verify", "-crl_check", "-CAfile", ca_.ca_cert_path(), "-CRLfile", crl, kept.cert_path});
  EXPECT_EQ(good.exit_code, 0) << good.out << good.err;
}

TEST_F(CliCertificates, RevokeDeviceRevokesAll) {
  const auto first = ca_.enroll("dev1");
  const auto second = ca_.enroll("dev1");
  const auto result = ca_.run({"revoke", "--device", "dev1", "--reason", "cessationOfOperation"});
  EXPECT_NE(result.out.find(first.serial), std::string::npos);
  EXPECT_NE(result.out.find(second.serial), std::string::npos);
  const auto text = openssl({"crl", "-in", ca_.write_crl(), "-noout", "-text"});
  EXPECT_NE(text.out.find(first.serial), std::string::npos);
  EXPECT_NE(text.out.find(second.serial), std::string::npos);
}

TEST_F(CliCertificates, BackdatedCertificateIsAlreadyExpired) {
  const auto issued = ca_.enroll("dev1", {"--days", "1", "--backdate-days", "2"});
  const auto verify = openssl({"verify", "-CAfile", ca_.ca_cert_path(), issued.cert_path});
  EXPECT_NE(verify.exit_code, 0);
  EXPECT_NE((verify.out + verify.err).find("expired"), std::string::npos);
  const auto list = ca_.run({"cert", "list", "--device", "dev1"});
  EXPECT_NE(list.out.find("expired"), std::string::npos) << list.out;
}

TEST_F(CliCertificates, RenewGivesANewSerialForTheSameIdentity) {
  const auto first = ca_.enroll("dev1");
  const std::string csr = openssl_csr(ca_, "renewal", "/CN=dev1");
  const auto result = ca_.run({"renew", "--csr", csr, "--out", ca_.dir().file("renewed.pem")});
  const std::string serial = printed_serial(result.out);
  EXPECT_FALSE(serial.empty());
  EXPECT_NE(serial, first.serial);
  EXPECT_EQ(
      openssl({"verify", "-CAfile", ca_.ca_cert_path(), ca_.dir().file("renewed.pem")}).exit_code,
      0);
}

TEST(CliKeyTypes, EveryCaKeyTypeIssuesVerifiableCertificates) {
  for (const std::string type : {"ec-p256", "ec-p384", "ed25519", "rsa-3072"}) {
    certacl::test::TempDir dir;
    const std::string db = dir.file("c.db");
    const auto run = [&](std::vector<std::string> args) {
      args.insert(args.begin(), {certacl::test::ca_binary(), "--db", db});
      return certacl::test::run_command(args);
    };
    ASSERT_EQ(run({"init", "--name", "CA " + type, "--key-type", type}).exit_code, 0) << type;
    ASSERT_EQ(run({"role", "add", "r"}).exit_code, 0);
    ASSERT_EQ(run({"device", "add", "d", "--role", "r"}).exit_code, 0);
    ASSERT_EQ(run({"ca-cert", "--out", dir.file("ca.pem")}).exit_code, 0);
    const auto enrolled = run({"enroll", "d", "--key-type", type, "--key-out", dir.file("d.key"),
                               "--cert-out", dir.file("d.pem")});
    ASSERT_EQ(enrolled.exit_code, 0) << type << enrolled.err;
    const auto verify = openssl({"verify", "-CAfile", dir.file("ca.pem"), dir.file("d.pem")});
    EXPECT_EQ(verify.exit_code, 0) << type << verify.out << verify.err;
    ASSERT_EQ(run({"crl", "--out", dir.file("crl.pem")}).exit_code, 0) << type;
    EXPECT_EQ(openssl({"crl", "-in", dir.file("crl.pem"), "-noout", "-CAfile", dir.file("ca.pem")})
                  .exit_code,
              0)
        << type;
  }
}

TEST(CliPassphrase, EncryptedCaKeyNeedsThePassphrase) {
  certacl::test::TempDir dir;
  const std::string db = dir.file("c.db");
  certacl::test::write_file(dir.file("pass"), "correct horse battery\n", 0600);
  certacl::test::write_file(dir.file("wrong"), "wrong\n", 0600);
  const auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {certacl::test::ca_binary(), "--db", db});
    return certacl::test::run_command(args);
  };
  ASSERT_EQ(run({"init", "--name", "Enc", "--passphrase-file", dir.file("pass")}).exit_code, 0);
  EXPECT_NE(read_file(db + "-ca-key.pem").find("BEGIN ENCRYPTED PRIVATE KEY"), std::string::npos);
  EXPECT_EQ(file_mode(db + "-ca-key.pem") & 0777, 0600u);
  ASSERT_EQ(run({"role", "add", "r"}).exit_code, 0);
  ASSERT_EQ(run({"device", "add", "d", "--role", "r"}).exit_code, 0);
  const std::string before = database_state(db);
  const auto missing =
      run({"enroll", "d", "--key-out", dir.file("k"), "--cert-out", dir.file("c")});
  EXPECT_EQ(missing.exit_code, 6);
  EXPECT_NE(missing.err.find("is encrypted"), std::string::npos) << missing.err;
  const auto wrong = run({"enroll", "d", "--key-out", dir.file("k"), "--cert-out", dir.file("c"),
                          "--passphrase-file", dir.file("wrong")});
  EXPECT_EQ(wrong.exit_code, 6);
  EXPECT_NE(wrong.err.find("wrong passphrase"), std::string::npos) << wrong.err;
  EXPECT_EQ(line_count(wrong.err), 1) << wrong.err;
  EXPECT_EQ(database_state(db), before);
  EXPECT_FALSE(certacl::test::file_exists(dir.file("c")));
  const auto right = run({"enroll", "d", "--key-out", dir.file("k"), "--cert-out", dir.file("c"),
                          "--passphrase-file", dir.file("pass")});
  EXPECT_EQ(right.exit_code, 0) << right.err;
  EXPECT_NE(read_file(db + "-ca-key.pem").find("ENCRYPTED"), std::string::npos);
}

}  // namespace
}  // namespace certacl::ca::test
