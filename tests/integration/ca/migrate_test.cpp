// migrate: a registry written by release 0.1.0 (schema 1, tests/integration/ca/data) is
// upgraded in place, keeps every row, and works with every command afterwards.

#include <gtest/gtest.h>

#include "admin_world.h"
#include "certacl/schema.h"
#include "certacl/sqlite.h"
#include "certacl_test/files.h"
#include "cli_world.h"

namespace certacl::ca::test {
namespace {

class Migrate : public ::testing::Test {
 protected:
  void SetUp() override {
    db_path_ = dir_.file("certacl.db");
    SqliteDatabase db(db_path_, SqliteDatabase::Access::ReadWriteCreate);
    db.exec(certacl::test::read_file(test_data("release-0.1.0.sql")));
    key_path_ = dir_.file("ca-key.pem");
    certacl::test::write_file(
        key_path_, certacl::test::read_file(test_data("release-0.1.0-ca-key.pem")), 0600);
  }
  std::int64_t query(const std::string& sql) {
    SqliteDatabase db(db_path_, SqliteDatabase::Access::ReadOnly);
    return db.query_int64(sql);
  }
  certacl::test::TempDir dir_;
  std::string db_path_;
  std::string key_path_;
};

TEST_F(Migrate, OldRegistryIsRefusedUntilMigratedThenKeepsEverything) {
  ASSERT_LT(query("PRAGMA user_version"), kSchemaVersion);
  const auto refused = run_ca(db_path_, {"device", "list"});
  EXPECT_EQ(refused.exit_code, 5) << refused.err;
  EXPECT_NE(refused.err.find("certacl-ca migrate"), std::string::npos) << refused.err;

  const auto migrated = run_ca(db_path_, {"migrate"});
  ASSERT_EQ(migrated.exit_code, 0) << migrated.err;
  EXPECT_NE(migrated.out.find("to " + std::to_string(kSchemaVersion)), std::string::npos)
      << migrated.out;
  EXPECT_EQ(query("PRAGMA user_version"), kSchemaVersion);
  EXPECT_EQ(query("SELECT count(*) FROM certificates WHERE device = 'dev1' AND revoked_at IS "
                  "NOT NULL"),
            1);
  EXPECT_EQ(query("SELECT count(*) FROM role_rules"), 1);
  EXPECT_EQ(query("SELECT count(*) FROM audit_log WHERE action = 'migrate'"), 1);
  EXPECT_EQ(query("SELECT count(*) FROM pragma_foreign_key_check"), 0);

  const std::string before = registry_fingerprint(db_path_);
  const auto again = run_ca(db_path_, {"migrate"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("already has schema"), std::string::npos) << again.out;
  EXPECT_EQ(registry_fingerprint(db_path_), before);

  // The key recorded by the old host is elsewhere here; point at it and sign.
  ASSERT_EQ(run_ca(db_path_, {"ca", "set-key-path", key_path_}).exit_code, 0);
  const auto enrolled = run_ca(db_path_, {"enroll", "dev1", "--key-out", dir_.file("k.pem"),
                                          "--cert-out", dir_.file("c.pem")});
  EXPECT_EQ(enrolled.exit_code, 0) << enrolled.err;
  // The counter triggers survived the certificates table rebuild.
  const std::int64_t counter = query("SELECT change_counter FROM certacl_state");
  ASSERT_EQ(run_ca(db_path_, {"device", "remove", "dev1"}).exit_code, 0);
  EXPECT_GT(query("SELECT change_counter FROM certacl_state"), counter);
  EXPECT_EQ(query("SELECT count(*) FROM certificates WHERE device = 'dev1'"), 2);
}

}  // namespace
}  // namespace certacl::ca::test
