// Output files through the real CLI: the database's mode under any umask, no output over
// the CA key or the database (compared by inode), private keys never replaced without
// --force, '-' for standard output, and no symlink or device node replaced.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "certacl/sqlite.h"
#include "certacl_test/files.h"
#include "certacl_test/paths.h"
#include "cli_world.h"

namespace certacl::ca::test {
namespace {

using certacl::test::CaFixture;
using certacl::test::CommandResult;

constexpr int kUsage = 1;
constexpr int kConflict = 4;
constexpr int kStorage = 5;

mode_t mode_of(const std::string& path) {
  struct stat info {};
  EXPECT_EQ(::lstat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777;
}

class CliFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    ca_.add_role("sensor");
    ca_.add_device("dev1", "sensor");
    ca_key_before_ = certacl::test::read_file(ca_.ca_key_path());
  }

  void expect_refused(const std::vector<std::string>& args, int exit_code,
                      const std::string& cause) {
    const std::string before = database_state(ca_.db_path());
    const CommandResult result = ca_.try_run(args);
    EXPECT_EQ(result.exit_code, exit_code) << result.err;
    EXPECT_EQ(line_count(result.err), 1) << result.err;
    EXPECT_NE(result.err.find(cause), std::string::npos) << result.err;
    EXPECT_EQ(database_state(ca_.db_path()), before);
    EXPECT_EQ(certacl::test::read_file(ca_.ca_key_path()), ca_key_before_);
  }

  CaFixture ca_;
  std::string ca_key_before_;
};

TEST(CliDatabaseMode, DatabaseCreated0640UnderUmask000) {
  certacl::test::TempDir dir;
  const std::string db = dir.file("fresh.db");
  const CommandResult result = certacl::test::run_command(
      {"sh", "-c", "umask 000; exec \"$0\" --db \"$1\" init --name umask-test --key-file \"$2\"",
       certacl::test::ca_binary(), db, dir.file("ca-key.pem")});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(mode_of(db), 0640U);
  EXPECT_EQ(mode_of(dir.file("ca-key.pem")), 0600U);
  // Later commands keep it; no -wal or -shm is left for a reader to need.
  const CommandResult role =
      certacl::test::run_command({"sh", "-c", "umask 000; exec \"$0\" --db \"$1\" role add r",
                                  certacl::test::ca_binary(), db});
  ASSERT_EQ(role.exit_code, 0) << role.err;
  EXPECT_EQ(mode_of(db), 0640U);
  EXPECT_FALSE(std::filesystem::exists(db + "-wal"));
  EXPECT_FALSE(std::filesystem::exists(db + "-shm"));
  // The journal a write creates gets the database's mode from SQLite, not from the umask.
  const mode_t previous_umask = ::umask(0);
  {
    SqliteDatabase writer(db, SqliteDatabase::Access::ReadWrite);
    writer.exec("BEGIN IMMEDIATE");
    writer.exec("UPDATE certacl_state SET change_counter = change_counter + 1 WHERE id = 1");
    EXPECT_EQ(mode_of(db + "-journal"), 0640U);
    writer.exec("ROLLBACK");
  }
  ::umask(previous_umask);
  EXPECT_FALSE(std::filesystem::exists(db + "-journal"));
}

// Upgrading: a database an older build left in WAL mode keeps working while an older broker
// still has it open, and is switched to the rollback journal by the first command alone.
TEST(CliDatabaseMode, OlderWalDatabaseIsSwitchedToTheRollbackJournal) {
  CaFixture ca;
  {
    SqliteDatabase older(ca.db_path(), SqliteDatabase::Access::ReadWrite);
    older.exec("PRAGMA journal_mode=WAL");
    ASSERT_EQ(older.journal_mode(), "wal");
    ASSERT_GE(older.query_int64("SELECT count(*) FROM roles"), 0);  // a reader, as a broker is
    const CommandResult shared = ca.try_run({"role", "add", "while-shared"});
    EXPECT_EQ(shared.exit_code, 0) << shared.err;
    EXPECT_NE(shared.err.find("stays in WAL mode while another program"), std::string::npos)
        << shared.err;
  }
  const CommandResult alone = ca.try_run({"role", "add", "alone"});
  EXPECT_EQ(alone.exit_code, 0) << alone.err;
  EXPECT_EQ(alone.err, "");
  SqliteDatabase after(ca.db_path(), SqliteDatabase::Access::ReadOnly);
  EXPECT_EQ(after.journal_mode(), "delete");
}

TEST_F(CliFiles, NoOutputMayBeTheCaKeyOrTheDatabase) {
  const std::string cert = ca_.dir().file("dev1.pem");
  const std::string key = ca_.dir().file("dev1.key");
  expect_refused({"enroll", "dev1", "--key-out", ca_.ca_key_path(), "--cert-out", cert, "--force"},
                 kConflict, "it is the CA key");
  expect_refused({"enroll", "dev1", "--key-out", key, "--cert-out", ca_.ca_key_path()}, kConflict,
                 "it is the CA key");
  expect_refused({"enroll", "dev1", "--key-out", key, "--cert-out", ca_.db_path()}, kConflict,
                 "it is the registry database");
  expect_refused({"crl", "--out", ca_.db_path()}, kConflict, "it is the registry database");
  // Another name for the same file is the same file.
  const std::string alias = ca_.dir().file("alias.pem");
  ASSERT_EQ(::link(ca_.ca_key_path().c_str(), alias.c_str()), 0);
  expect_refused({"ca-cert", "--out", alias}, kConflict, "it is the CA key");
  const std::string dotted =
      ca_.dir().path() + "/./" + std::filesystem::path(ca_.db_path()).filename().string();
  expect_refused({"ca-cert", "--out", dotted}, kConflict, "it is the registry database");
  // The CA still signs afterwards.
  EXPECT_EQ(ca_.try_run({"enroll", "dev1", "--key-out", key, "--cert-out", cert}).exit_code, 0);
}

TEST_F(CliFiles, ExistingPrivateKeyIsReplacedOnlyWithForce) {
  const std::string key = ca_.dir().file("dev1.key");
  const std::string cert = ca_.dir().file("dev1.pem");
  certacl::test::write_file(key, "precious");
  expect_refused({"enroll", "dev1", "--key-out", key, "--cert-out", cert}, kConflict,
                 "refusing to replace existing private key file");
  EXPECT_EQ(certacl::test::read_file(key), "precious");
  EXPECT_FALSE(std::filesystem::exists(cert));
  const CommandResult forced =
      ca_.try_run({"enroll", "dev1", "--key-out", key, "--cert-out", cert, "--force"});
  ASSERT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_NE(certacl::test::read_file(key), "precious");
  EXPECT_EQ(mode_of(key), 0600U);
}

TEST_F(CliFiles, DashIsStandardOutputForCertificatesAndCrlsNeverKeys) {
  const CommandResult ca_cert = ca_.try_run({"ca-cert", "--out", "-"});
  ASSERT_EQ(ca_cert.exit_code, 0) << ca_cert.err;
  EXPECT_EQ(ca_cert.out, certacl::test::read_file(ca_.ca_cert_path()));
  const CommandResult crl = ca_.try_run({"crl", "--out", "-"});
  ASSERT_EQ(crl.exit_code, 0) << crl.err;
  EXPECT_EQ(crl.out.rfind("-----BEGIN X509 CRL-----", 0), 0U) << crl.out;
  const CommandResult cert =
      ca_.try_run({"enroll", "dev1", "--key-out", ca_.dir().file("k.pem"), "--cert-out", "-"});
  ASSERT_EQ(cert.exit_code, 0) << cert.err;
  EXPECT_EQ(cert.out.rfind("-----BEGIN CERTIFICATE-----", 0), 0U) << cert.out;
  EXPECT_NE(cert.err.find("serial="), std::string::npos);  // not mixed into the PEM
  EXPECT_FALSE(std::filesystem::exists(ca_.dir().path() + "/-"));
  expect_refused({"enroll", "dev1", "--key-out", "-", "--cert-out", ca_.dir().file("c.pem")},
                 kUsage, "a private key is never written to standard output");
}

TEST_F(CliFiles, SymlinksAndDeviceNodesAreNeverFollowedOrReplaced) {
  expect_refused({"ca-cert", "--out", "/dev/stdout"}, kStorage, "it is a symbolic link");
  EXPECT_TRUE(std::filesystem::is_symlink("/dev/stdout"));
  expect_refused({"crl", "--out", "/dev/null"}, kStorage, "it is a device node");
  EXPECT_TRUE(std::filesystem::is_character_file("/dev/null"));

  const std::string target = ca_.dir().file("target.pem");
  certacl::test::write_file(target, "unchanged");
  const std::string link = ca_.dir().file("link.pem");
  std::filesystem::create_symlink(target, link);
  expect_refused({"ca-cert", "--out", link}, kStorage, "it is a symbolic link");
  EXPECT_TRUE(std::filesystem::is_symlink(link));
  EXPECT_EQ(certacl::test::read_file(target), "unchanged");
  const std::string dangling = ca_.dir().file("dangling.key");
  std::filesystem::create_symlink(ca_.dir().file("nowhere"), dangling);
  expect_refused(
      {"enroll", "dev1", "--key-out", dangling, "--cert-out", ca_.dir().file("c.pem"), "--force"},
      kStorage, "it is a symbolic link");
  EXPECT_FALSE(std::filesystem::exists(ca_.dir().file("nowhere")));
}

}  // namespace
}  // namespace certacl::ca::test
