// docs/DEPLOYMENT.md's ownership model, tried as the broker's own user: a registry laid
// out as documented (directory 0750 and database 0640, owned by the CA's user, group = the
// readers group the broker's user is in) can be read by user `mosquitto` and not changed
// by it in any way: no write, no create, no rename into place, no delete, no hot journal.
// The CA's user is root here (the test runs as root); the broker's user is the real
// `mosquitto` account the Debian package creates, entered with setpriv.

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "certacl_test/files.h"
#include "certacl_test/paths.h"
#include "certacl_test/process.h"
#include "plugin_environment.h"

namespace certacl::test {
namespace {

class RegistryOwnershipTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const passwd* broker_user = ::getpwnam("mosquitto");
    if (broker_user == nullptr) GTEST_SKIP() << "no 'mosquitto' user (install mosquitto)";
    uid_ = broker_user->pw_uid;
    gid_ = broker_user->pw_gid;
    // The broker's user may traverse the base directory, nothing more.
    ASSERT_EQ(::chmod(base_.path().c_str(), 0711), 0);
    std::filesystem::create_directory(registry_dir_);
    ASSERT_EQ(::chown(registry_dir_.c_str(), 0, gid_), 0);
    ASSERT_EQ(::chmod(registry_dir_.c_str(), 0750), 0);
    std::filesystem::create_directory(ca_dir_);
    ASSERT_EQ(::chmod(ca_dir_.c_str(), 0700), 0);
    const CommandResult init = run_command(
        {ca_binary(), "--db", db_, "init", "--name", "ownership", "--key-file", ca_key_});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    ASSERT_EQ(::chown(db_.c_str(), 0, gid_), 0);  // group: the readers group
    // A journal as certacl-ca leaves it mid-write (empty here, so not hot).
    write_file(journal_, "");
    ASSERT_EQ(::chown(journal_.c_str(), 0, gid_), 0);
    ASSERT_EQ(::chmod(journal_.c_str(), 0640), 0);
    // Somewhere the broker's user can write, for forged copies.
    std::filesystem::create_directory(scratch_);
    ASSERT_EQ(::chown(scratch_.c_str(), uid_, gid_), 0);
  }

  // Runs a shell command as the broker's user and group, without supplementary groups.
  CommandResult as_broker(const std::string& script) {
    return run_command({"setpriv", "--reuid=" + std::to_string(uid_),
                        "--regid=" + std::to_string(gid_), "--clear-groups", "sh", "-c", script});
  }

  void expect_refused(const std::string& what, const std::string& script) {
    const CommandResult result = as_broker(script);
    EXPECT_NE(result.exit_code, 0) << what << " succeeded as user mosquitto: " << script;
  }

  TempDir base_;
  std::string registry_dir_ = base_.file("registry");
  std::string ca_dir_ = base_.file("ca");
  std::string scratch_ = base_.file("scratch");
  std::string db_ = registry_dir_ + "/certacl.db";
  std::string journal_ = db_ + "-journal";
  std::string ca_key_ = ca_dir_ + "/ca-key.pem";
  uid_t uid_ = 0;
  gid_t gid_ = 0;
};

TEST_F(RegistryOwnershipTest, BrokerUserReadsButCannotChangeAnyRegistryFile) {
  const std::string db_before = read_file(db_);
  // Reading needs nothing writable (rollback journal: no -shm, no -wal).
  const CommandResult read =
      as_broker("sqlite3 -readonly '" + db_ + "' 'SELECT change_counter FROM certacl_state'");
  EXPECT_EQ(read.exit_code, 0) << read.err;

  expect_refused("write the database", "printf x >> '" + db_ + "'");
  expect_refused("write through SQLite",
                 "sqlite3 '" + db_ + "' 'UPDATE certacl_state SET change_counter = 0'");
  expect_refused("truncate the database", ": > '" + db_ + "'");
  expect_refused("write the journal", "printf x >> '" + journal_ + "'");
  expect_refused("delete the journal", "rm -f '" + journal_ + "'");
  expect_refused("create a file in the directory", ": > '" + registry_dir_ + "/forged.db'");
  expect_refused("create a hot journal for another name",
                 ": > '" + registry_dir_ + "/other.db-journal'");
  expect_refused("rename a forged copy into place", "cp '" + db_ + "' '" + scratch_ +
                                                        "/forged.db' && mv -f '" + scratch_ +
                                                        "/forged.db' '" + db_ + "'");
  expect_refused("delete the database", "rm -f '" + db_ + "'");
  expect_refused("rename the directory",
                 "mv '" + registry_dir_ + "' '" + base_.file("moved") + "'");
  expect_refused("delete the directory", "rm -rf '" + registry_dir_ + "'");
  expect_refused("chmod the directory", "chmod 0777 '" + registry_dir_ + "'");
  expect_refused("chmod the database", "chmod 0666 '" + db_ + "'");
  expect_refused("read the CA key", "cat '" + ca_key_ + "'");

  EXPECT_EQ(read_file(db_), db_before);
  EXPECT_TRUE(std::filesystem::exists(journal_));
  EXPECT_FALSE(std::filesystem::exists(registry_dir_ + "/forged.db"));
}

}  // namespace
}  // namespace certacl::test
