// An encrypted CA key: without --passphrase-file certacl-ca asks on the terminal (run under
// script(1), which gives it a real pseudo-terminal); without a terminal it refuses at once.

#include <gtest/gtest.h>

#include "admin_world.h"
#include "certacl_test/files.h"
#include "certacl_test/paths.h"
#include "cli_world.h"

namespace certacl::ca::test {
namespace {

class PassphrasePrompt : public ::testing::Test {
 protected:
  void SetUp() override {
    db_path_ = dir_.file("certacl.db");
    passphrase_file_ = dir_.file("passphrase");
    certacl::test::write_file(passphrase_file_, "correct horse\n", 0600);
    ASSERT_EQ(
        run_ca(db_path_, {"init", "--name", "Encrypted CA", "--passphrase-file", passphrase_file_})
            .exit_code,
        0);
  }
  // `certacl-ca crl` under script(1) with `typed` as the terminal input.
  certacl::test::CommandResult crl_on_terminal(const std::string& typed) {
    const std::string command =
        certacl::test::ca_binary() + " --db " + db_path_ + " crl --out " + dir_.file("crl.pem");
    certacl::test::CommandOptions options;
    options.standard_input = typed;
    options.timeout = std::chrono::seconds(30);
    return certacl::test::run_command({"script", "-qec", command, "/dev/null"}, options);
  }
  certacl::test::TempDir dir_;
  std::string db_path_;
  std::string passphrase_file_;
};

TEST_F(PassphrasePrompt, AsksOnTheTerminal) {
  const auto result = crl_on_terminal("correct horse\n");
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("passphrase for CA key"), std::string::npos) << result.out;
  // Echo is off while typing, but here the input is queued before the prompt, so the
  // terminal echoed it already: not checked (docs/CA.md says so).
  EXPECT_TRUE(certacl::test::file_exists(dir_.file("crl.pem")));
}

TEST_F(PassphrasePrompt, WrongTypedPassphraseIsAKeyError) {
  const auto result = crl_on_terminal("wrong\n");
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.out.find("wrong passphrase"), std::string::npos) << result.out;
  EXPECT_FALSE(certacl::test::file_exists(dir_.file("crl.pem")));
}

TEST_F(PassphrasePrompt, NoTerminalNoFileRefusesWithoutWaiting) {
  expect_admin_refusal(db_path_, {"crl", "--out", dir_.file("crl.pem")}, 6,
                       "is encrypted: give --passphrase-file");
  EXPECT_FALSE(certacl::test::file_exists(dir_.file("crl.pem")));
}

}  // namespace
}  // namespace certacl::ca::test
