// Keys in CSRs through the real certacl-ca and real openssl-made CSRs: every weak or
// malformed key is refused with one line and exit 2, and a key revoked for keyCompromise
// is never certified again (sign or renew).

#include <gtest/gtest.h>

#include "ca_test_world.h"
#include "certacl_test/files.h"
#include "cli_world.h"
#include "hostile_keys.h"

namespace certacl::ca::test {
namespace {

using certacl::test::CaFixture;
using certacl::test::CommandResult;

constexpr int kBadInput = 2;

class CliKeys : public ::testing::Test {
 protected:
  void SetUp() override {
    ca_.add_role("sensor");
    ca_.add_device("dev1", "sensor");
    out_ = ca_.dir().file("out.pem");
  }

  void expect_refused(const std::string& command, const std::string& csr,
                      const std::string& cause) {
    const std::string before = database_state(ca_.db_path());
    const CommandResult result = ca_.try_run({command, "--csr", csr, "--out", out_});
    EXPECT_EQ(result.exit_code, kBadInput) << result.err;
    EXPECT_EQ(line_count(result.err), 1) << result.err;
    EXPECT_NE(result.err.find(cause), std::string::npos) << result.err;
    EXPECT_EQ(database_state(ca_.db_path()), before);
    EXPECT_FALSE(certacl::test::file_exists(out_));
  }

  std::string csr_file(const std::string& label, EVP_PKEY* key) {
    const std::string path = ca_.dir().file(label + ".csr");
    certacl::test::write_file(path, make_csr_pem({{"CN", "dev1"}}, key));
    return path;
  }

  CaFixture ca_;
  std::string out_;
};

TEST_F(CliKeys, RefusesWeakAndMalformedKeys) {
  expect_refused("sign",
                 openssl_csr(ca_, "e3", "/CN=dev1",
                             {"-newkey", "rsa:2048", "-pkeyopt", "rsa_keygen_pubexp:3"}),
                 "RSA public exponent 3 is not accepted");
  expect_refused("sign", openssl_csr(ca_, "rsa1024", "/CN=dev1", {"-newkey", "rsa:1024"}),
                 "RSA key has 1024 bits");
  const EvpPkeyPtr one = make_rsa_key_exponent_one();
  expect_refused("sign", csr_file("e1", one.get()), "RSA public exponent 1 is not accepted");
  const EvpPkeyPtr huge = make_fake_rsa_key(16384);
  expect_refused("sign", csr_file("rsa16384", huge.get()), "RSA key has 16384 bits");

  const std::string explicit_key = ca_.dir().file("explicit.key");
  ASSERT_EQ(openssl({"ecparam", "-name", "prime256v1", "-param_enc", "explicit", "-genkey",
                     "-noout", "-out", explicit_key})
                .exit_code,
            0);
  const std::string explicit_csr = ca_.dir().file("explicit.csr");
  ASSERT_EQ(
      openssl({"req", "-new", "-key", explicit_key, "-subj", "/CN=dev1", "-out", explicit_csr})
          .exit_code,
      0);
  expect_refused("sign", explicit_csr, "explicit curve parameters");
}

TEST_F(CliKeys, KeyRevokedForKeyCompromiseIsNeverCertifiedAgain) {
  const std::string csr = openssl_csr(ca_, "dev1", "/CN=dev1");
  const CommandResult first = ca_.run({"sign", "--csr", csr, "--out", ca_.dir().file("1.pem")});
  const std::string serial = printed_serial(first.out);
  ASSERT_FALSE(serial.empty());
  ca_.run({"revoke", serial, "--reason", "keyCompromise"});
  expect_refused("renew", csr, "revoked for keyCompromise");
  expect_refused("sign", csr, "revoked for keyCompromise");
  // A new key for the same device is fine.
  const std::string fresh = openssl_csr(ca_, "dev1-new", "/CN=dev1");
  EXPECT_EQ(ca_.try_run({"renew", "--csr", fresh, "--out", out_}).exit_code, 0);
}

}  // namespace
}  // namespace certacl::ca::test
