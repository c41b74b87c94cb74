// Bad input to the admin commands (device remove/set-role, role remove, role rule remove,
// role set-client-id, cert expiring, backup, restore, migrate, ca set-key-path): one stderr
// line, the exit code of docs/CA.md's table, and a registry that did not change.

#include <gtest/gtest.h>

#include "admin_world.h"
#include "ca_error.h"
#include "certacl/sqlite.h"
#include "certacl_test/files.h"

namespace certacl::ca::test {
namespace {

using certacl::test::CaFixture;

// The exit codes of docs/CA.md's table, from the enum certacl-ca itself returns.
constexpr int kUsage = static_cast<int>(ExitCode::kUsage);
constexpr int kBadInput = static_cast<int>(ExitCode::kBadInput);
constexpr int kNotFound = static_cast<int>(ExitCode::kNotFound);
constexpr int kConflict = static_cast<int>(ExitCode::kConflict);
constexpr int kStorage = static_cast<int>(ExitCode::kStorage);
constexpr int kKey = static_cast<int>(ExitCode::kKey);

class AdminRefusals : public ::testing::Test {
 protected:
  void SetUp() override {
    ca_.add_role("sensor");
    ca_.add_role("spare");
    ca_.allow("sensor", "publish", "factory/%u/#");
    ca_.allow("spare", "publish", "spare/#");
    ca_.add_device("dev1", "sensor");
    ca_.enroll("dev1");
  }
  void refused(const std::vector<std::string>& args, int exit_code, const std::string& cause) {
    expect_admin_refusal(ca_.db_path(), args, exit_code, cause);
  }
  CaFixture ca_;
};

TEST_F(AdminRefusals, DeviceRemove) {
  refused({"device", "remove", "ghost"}, kNotFound, "unknown device 'ghost'");
  refused({"device", "remove", "dev1", "--reason", "certificateHold"}, kBadInput,
          "unsupported revocation reason 'certificateHold'");
  refused({"device", "remove"}, kUsage, "name is required");
}

TEST_F(AdminRefusals, DeviceSetRole) {
  refused({"device", "set-role", "ghost", "spare"}, kNotFound, "unknown device 'ghost'");
  refused({"device", "set-role", "dev1", "nope"}, kNotFound, "unknown role 'nope'");
  refused({"device", "set-role", "dev1"}, kUsage, "role is required");
}

TEST_F(AdminRefusals, RoleRemove) {
  refused({"role", "remove", "nope"}, kNotFound, "unknown role 'nope'");
  refused({"role", "remove", "sensor"}, kConflict, "role 'sensor' is used by 1 device(s)");
}

TEST_F(AdminRefusals, RoleRuleRemove) {
  refused({"role", "rule", "remove", "sensor", "x1"}, kBadInput, "invalid rule id 'x1'");
  refused({"role", "rule", "remove", "sensor", "0"}, kBadInput, "invalid rule id '0'");
  refused({"role", "rule", "remove", "sensor", "99"}, kNotFound, "role 'sensor' has no rule 99");
  // Rule 2 exists, but belongs to role spare: an id never reaches across roles.
  refused({"role", "rule", "remove", "sensor", "2"}, kNotFound, "role 'sensor' has no rule 2");
  refused({"role", "rule", "remove", "nope", "1"}, kNotFound, "unknown role 'nope'");
  refused({"role", "rule"}, kUsage, "missing command after 'certacl-ca role rule'");
}

TEST_F(AdminRefusals, RoleClientIdRule) {
  refused({"role", "set-client-id", "nope", "prefix"}, kNotFound, "unknown role 'nope'");
  refused({"role", "set-client-id", "sensor", "any"}, kBadInput,
          "invalid client-id rule 'any': expected exact or prefix");
  refused({"role", "set-client-id", "sensor", ""}, kBadInput, "invalid client-id rule ''");
  refused({"role", "set-client-id", "sensor"}, kUsage, "rule is required");
  refused({"role", "add", "gateway", "--client-id", "Prefix"}, kBadInput,
          "invalid client-id rule 'Prefix'");
  refused({"role", "add", "sensor", "--client-id", "prefix"}, kConflict,
          "role 'sensor' already exists");
}

TEST_F(AdminRefusals, CertExpiring) {
  for (const char* window : {"30", "0d", "3651d", "-1d", "d", "1.5d", "30D", "99999999999999d"}) {
    refused({"cert", "expiring", "--within", window}, kBadInput,
            std::string("--within '") + window + "'");
  }
}

TEST_F(AdminRefusals, Backup) {
  const std::string existing = ca_.dir().file("existing.db");
  certacl::test::write_file(existing, "keep me");
  refused({"backup", "--out", existing}, kConflict, "already exists");
  EXPECT_EQ(certacl::test::read_file(existing), "keep me");
  refused({"backup", "--out", ca_.dir().file("missing-dir/b.db")}, kStorage, "missing-dir");
  const auto result = run_ca(ca_.dir().file("absent.db"), {"backup", "--out", ca_.dir().file("b")});
  EXPECT_EQ(result.exit_code, kStorage) << result.err;
  EXPECT_FALSE(certacl::test::file_exists(ca_.dir().file("b")));
  refused({"backup"}, kUsage, "--out is required");
}

TEST_F(AdminRefusals, Restore) {
  refused({"restore", "--from", ca_.dir().file("absent.db")}, kStorage, "does not exist");
  const std::string garbage = ca_.dir().file("garbage.db");
  certacl::test::write_file(garbage, std::string(8192, 'x'));
  refused({"restore", "--from", garbage}, kStorage, "garbage.db");
  const std::string foreign = ca_.dir().file("foreign.db");
  {
    SqliteDatabase db(foreign, SqliteDatabase::Access::ReadWriteCreate);
    db.exec("CREATE TABLE notes (x TEXT)");
  }
  refused({"restore", "--from", foreign}, kStorage, "not a certacl database");
  // An older backup would silently undo later changes.
  const std::string old_backup = ca_.dir().file("old.db");
  ca_.run({"backup", "--out", old_backup});
  ca_.add_device("dev2", "sensor");
  refused({"restore", "--from", old_backup}, kConflict, "older than the registry");
}

TEST_F(AdminRefusals, Migrate) {
  const auto missing = run_ca(ca_.dir().file("absent.db"), {"migrate"});
  EXPECT_EQ(missing.exit_code, kStorage) << missing.err;
  EXPECT_FALSE(certacl::test::file_exists(ca_.dir().file("absent.db")));
  const std::string foreign = ca_.dir().file("foreign.db");
  {
    SqliteDatabase db(foreign, SqliteDatabase::Access::ReadWriteCreate);
    db.exec("CREATE TABLE notes (x TEXT)");
  }
  const auto not_ours = run_ca(foreign, {"migrate"});
  EXPECT_EQ(not_ours.exit_code, kStorage) << not_ours.err;
  EXPECT_NE(not_ours.err.find("not a certacl database"), std::string::npos) << not_ours.err;
  {
    SqliteDatabase db(ca_.db_path(), SqliteDatabase::Access::ReadWrite);
    db.exec("PRAGMA user_version = 99");
  }
  const auto newer = run_ca(ca_.db_path(), {"migrate"});
  EXPECT_EQ(newer.exit_code, kStorage) << newer.err;
  EXPECT_NE(newer.err.find("newer than this certacl"), std::string::npos) << newer.err;
}

TEST_F(AdminRefusals, CaSetKeyPath) {
  refused({"ca", "set-key-path", ca_.dir().file("absent.pem")}, kKey, "absent.pem");
  const std::string garbage = ca_.dir().file("garbage.pem");
  certacl::test::write_file(garbage, "not a key\n", 0600);
  refused({"ca", "set-key-path", garbage}, kKey, "garbage.pem");
  // A real key, but not this CA's: the broker's.
  refused({"ca", "set-key-path", ca_.server_key_path()}, kKey,
          "does not belong to the CA certificate");
  refused({"ca"}, kUsage, "missing command after 'certacl-ca ca'");
}

}  // namespace
}  // namespace certacl::ca::test
