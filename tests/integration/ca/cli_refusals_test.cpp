// Every bad input: one clear stderr line naming the cause, the documented exit code, and an
// unchanged database.

#include <gtest/gtest.h>

#include <fstream>

#include "certacl/sqlite.h"
#include "certacl_test/files.h"
#include "certacl_test/paths.h"
#include "cli_world.h"

namespace certacl::ca::test {
namespace {

using certacl::test::CaFixture;
using certacl::test::CommandResult;

constexpr int kUsage = 1;
constexpr int kBadInput = 2;
constexpr int kNotFound = 3;
constexpr int kConflict = 4;
constexpr int kStorage = 5;

class CliRefusals : public ::testing::Test {
 protected:
  void SetUp() override {
    ca_.add_role("sensor");
    ca_.add_device("dev1", "sensor");
    ca_.add_device("off", "sensor");
    ca_.disable("off");
    first_ = ca_.enroll("dev1");
    out_ = ca_.dir().file("out.pem");
  }

  // Runs certacl-ca and checks the refusal: exit code, exactly one stderr line that
  // contains `cause`, no output file, database unchanged.
  void expect_refusal(const std::vector<std::string>& args, int exit_code,
                      const std::string& cause) {
    const std::string before = database_state(ca_.db_path());
    const CommandResult result = ca_.try_run(args);
    std::string command;
    for (const auto& arg : args) command += arg + " ";
    EXPECT_EQ(result.exit_code, exit_code) << command << "\n" << result.err;
    EXPECT_EQ(line_count(result.err), 1) << command << "\n" << result.err;
    EXPECT_NE(result.err.find(cause), std::string::npos)
        << command << "\nexpected cause: " << cause << "\ngot: " << result.err;
    EXPECT_EQ(database_state(ca_.db_path()), before) << command;
    EXPECT_FALSE(certacl::test::file_exists(out_)) << command;
  }

  std::string mis_signed_csr() {
    const std::string good = openssl_csr(ca_, "good", "/CN=dev1");
    const std::string der = ca_.dir().file("good.der");
    EXPECT_EQ(openssl({"req", "-in", good, "-outform", "DER", "-out", der}).exit_code, 0);
    std::string bytes = certacl::test::read_file(der);
    bytes.back() = static_cast<char>(bytes.back() ^ 0x01);  // inside the signature value
    certacl::test::write_file(der, bytes);
    const std::string bad = ca_.dir().file("mis-signed.csr");
    EXPECT_EQ(openssl({"req", "-inform", "DER", "-in", der, "-out", bad}).exit_code, 0);
    return bad;
  }

  CaFixture ca_;
  certacl::test::IssuedCertificate first_;
  std::string out_;
};

TEST_F(CliRefusals, BadCsrs) {
  certacl::test::write_file(ca_.dir().file("garbage.csr"), "not a CSR\n");
  expect_refusal({"sign", "--csr", ca_.dir().file("garbage.csr"), "--out", out_}, kBadInput,
                 "not a PEM certificate request");
  certacl::test::write_file(ca_.dir().file("huge.csr"), std::string(2 << 20, 'A'));
  expect_refusal({"sign", "--csr", ca_.dir().file("huge.csr"), "--out", out_}, kBadInput,
                 "larger than");
  expect_refusal({"sign", "--csr", mis_signed_csr(), "--out", out_}, kBadInput,
                 "self-signature does not verify");
  expect_refusal({"sign", "--csr", ca_.dir().file("missing.csr"), "--out", out_}, kStorage,
                 "cannot read CSR");
  expect_refusal({"sign", "--csr", openssl_csr(ca_, "weak", "/CN=dev1", {"-newkey", "rsa:1024"}),
                  "--out", out_},
                 kBadInput, "1024 bits");
  expect_refusal({"sign", "--csr", openssl_csr(ca_, "two", "/CN=dev1/CN=off"), "--out", out_},
                 kBadInput, "2 CNs");
  expect_refusal({"sign", "--csr", openssl_csr(ca_, "none", "/O=acme"), "--out", out_}, kBadInput,
                 "no CN");
  expect_refusal({"sign", "--csr", openssl_csr(ca_, "slash", "/CN=dev\\/1"), "--out", out_},
                 kBadInput, "not a valid device name");
}

TEST_F(CliRefusals, UnknownOrDisabledDevices) {
  expect_refusal({"sign", "--csr", openssl_csr(ca_, "ghost", "/CN=ghost"), "--out", out_},
                 kNotFound, "cannot sign CSR from device 'ghost'");
  expect_refusal({"sign", "--csr", openssl_csr(ca_, "off", "/CN=off"), "--out", out_}, kConflict,
                 "device 'off' is disabled");
  expect_refusal({"enroll", "ghost", "--key-out", ca_.dir().file("k"), "--cert-out", out_},
                 kNotFound, "does not match a registered device");
  expect_refusal({"renew", "--csr", openssl_csr(ca_, "ghost2", "/CN=ghost"), "--out", out_},
                 kNotFound, "ghost");
  EXPECT_FALSE(certacl::test::file_exists(ca_.dir().file("k")));
}

TEST_F(CliRefusals, RegistryConflictsAndBadNames) {
  expect_refusal({"device", "add", "dev1", "--role", "sensor"}, kConflict, "already exists");
  expect_refusal({"device", "add", "dev2", "--role", "nope"}, kNotFound, "unknown role 'nope'");
  expect_refusal({"device", "add", "a+b", "--role", "sensor"}, kBadInput, "invalid device name");
  expect_refusal({"device", "add", std::string(65, 'x'), "--role", "sensor"}, kBadInput,
                 "invalid device name");
  expect_refusal({"device", "add", "d", "--role", "sensor", "--san-dns", "a,DNS:evil"}, kBadInput,
                 "invalid --san-dns");
  expect_refusal({"device", "disable", "ghost"}, kNotFound, "unknown device 'ghost'");
  expect_refusal({"role", "add", "sensor"}, kConflict, "already exists");
  expect_refusal({"role", "allow", "sensor", "publish", "factory/#/x"}, kBadInput,
                 "invalid topic pattern 'factory/#/x'");
  expect_refusal({"role", "deny", "sensor", "subscribe", "a/b+"}, kBadInput,
                 "invalid topic pattern");
  expect_refusal({"role", "allow", "ghost", "publish", "a/b"}, kNotFound, "unknown role 'ghost'");
  expect_refusal({"role", "allow", "sensor", "read", "a/b"}, kUsage, "read");
  expect_refusal({"init", "--name", "again"}, kConflict, "already has a CA");
}

TEST_F(CliRefusals, RevocationMistakes) {
  expect_refusal({"revoke", "ABCDEF"}, kNotFound, "no certificate with serial ABCDEF");
  expect_refusal({"revoke", "xyz"}, kBadInput, "invalid serial");
  expect_refusal({"revoke", first_.serial, "--reason", "lost-it"}, kBadInput,
                 "revocation reason 'lost-it'");
  expect_refusal({"revoke"}, kUsage, "SERIAL or --device");
  expect_refusal({"revoke", "--device", "ghost"}, kNotFound, "unknown device 'ghost'");
  ca_.revoke(first_.serial);
  expect_refusal({"revoke", first_.serial}, kConflict, "already revoked");
}

TEST_F(CliRefusals, UnwritableOutputsAndBadOptions) {
  const std::string csr = openssl_csr(ca_, "ok", "/CN=dev1");
  const std::string nowhere = "/nonexistent-certacl-dir/out.pem";
  const std::string before = database_state(ca_.db_path());
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"sign", "--csr", csr, "--out", nowhere},
           {"enroll", "dev1", "--key-out", nowhere, "--cert-out", out_},
           {"server-cert", "--cn", "b", "--cert-out", nowhere, "--key-out", out_},
           {"crl", "--out", nowhere},
           {"ca-cert", "--out", nowhere}}) {
    const CommandResult result = ca_.try_run(args);
    EXPECT_EQ(result.exit_code, kStorage) << args[0] << result.err;
    EXPECT_NE(result.err.find("cannot write '" + nowhere + "'"), std::string::npos) << result.err;
    EXPECT_EQ(line_count(result.err), 1) << result.err;
    EXPECT_FALSE(certacl::test::file_exists(out_));
  }
  EXPECT_EQ(database_state(ca_.db_path()), before);
  expect_refusal({"sign", "--csr", csr, "--out", out_, "--days", "0"}, kBadInput, "--days 0");
  expect_refusal({"sign", "--csr", csr, "--out", out_, "--days", "9999"}, kBadInput, "9999");
  expect_refusal({"server-cert", "--cn", "b", "--san", "FTP:x", "--cert-out", out_, "--key-out",
                  ca_.dir().file("k")},
                 kBadInput, "FTP:x");
  expect_refusal({"server-cert", "--cn", "b", "--san", "IP:300.1.1.1", "--cert-out", out_,
                  "--key-out", ca_.dir().file("k")},
                 kBadInput, "invalid IP address");
  expect_refusal({"sign", "--csr", csr}, kUsage, "--out");
  expect_refusal({"no-such-command"}, kUsage, "no-such-command");
  expect_refusal({"device"}, kUsage, "missing command");
}

TEST(CliDatabase, MissingOrForeignDatabaseIsRefused) {
  certacl::test::TempDir dir;
  const auto run = [&](const std::string& db, std::vector<std::string> args) {
    args.insert(args.begin(), {certacl::test::ca_binary(), "--db", db});
    return certacl::test::run_command(args);
  };
  const auto missing = run(dir.file("missing.db"), {"device", "list"});
  EXPECT_EQ(missing.exit_code, kStorage);
  EXPECT_NE(missing.err.find("does not exist"), std::string::npos) << missing.err;
  EXPECT_FALSE(certacl::test::file_exists(dir.file("missing.db")));

  certacl::test::write_file(dir.file("text.db"), "this is not sqlite\n");
  const auto text = run(dir.file("text.db"), {"device", "list"});
  EXPECT_EQ(text.exit_code, kStorage);
  EXPECT_EQ(line_count(text.err), 1) << text.err;

  {
    SqliteDatabase foreign(dir.file("foreign.db"), SqliteDatabase::Access::ReadWriteCreate);
    foreign.exec("CREATE TABLE stuff (x)");
  }
  const auto foreign = run(dir.file("foreign.db"), {"role", "add", "r"});
  EXPECT_EQ(foreign.exit_code, kStorage);
  EXPECT_NE(foreign.err.find("not a certacl database"), std::string::npos) << foreign.err;
  const auto init_foreign = run(dir.file("foreign.db"), {"init", "--name", "x"});
  EXPECT_EQ(init_foreign.exit_code, kStorage);
  EXPECT_NE(init_foreign.err.find("not a certacl database"), std::string::npos);

  const auto env = certacl::test::run_command(
      {certacl::test::ca_binary(), "device", "list"},
      certacl::test::CommandOptions{
          {{"CERTACL_DB", dir.file("env.db")}}, {}, std::chrono::seconds(30), {}});
  EXPECT_NE(env.err.find(dir.file("env.db")), std::string::npos) << env.err;
}

}  // namespace
}  // namespace certacl::ca::test
