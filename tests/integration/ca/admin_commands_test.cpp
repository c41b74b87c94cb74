// What the admin commands do when they succeed: device remove keeps history, set-role and
// rule removal change exactly one thing, cert expiring reports the right window, --version.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "admin_world.h"
#include "certacl/sqlite.h"
#include "certacl_test/files.h"
#include "certacl_test/paths.h"
#include "cli_world.h"

namespace certacl::ca::test {
namespace {

using certacl::test::CaFixture;

std::int64_t count(const std::string& db_path, const std::string& sql) {
  SqliteDatabase db(db_path, SqliteDatabase::Access::ReadOnly);
  return db.query_int64(sql);
}

TEST(AdminCommands, DeviceRemoveRevokesFirstAndKeepsHistory) {
  CaFixture ca;
  ca.add_role("sensor");
  ca.add_device("dev1", "sensor");
  const auto first = ca.enroll("dev1");
  const auto second = ca.enroll("dev1");
  ca.revoke(first.serial);
  const auto removed = ca.run({"device", "remove", "dev1"});
  EXPECT_NE(removed.out.find("revoked " + second.serial + " (cessationOfOperation)"),
            std::string::npos)
      << removed.out;
  EXPECT_EQ(removed.out.find(first.serial), std::string::npos) << "already revoked before";
  EXPECT_EQ(count(ca.db_path(), "SELECT count(*) FROM devices"), 0);
  EXPECT_EQ(count(ca.db_path(),
                  "SELECT count(*) FROM certificates WHERE device = 'dev1' AND "
                  "revoked_at IS NOT NULL"),
            2);
  EXPECT_EQ(count(ca.db_path(),
                  "SELECT count(*) FROM audit_log WHERE device = 'dev1' AND "
                  "action IN ('device-add', 'enroll', 'revoke', 'device-remove')"),
            6);
  // The CRL (what the broker's TLS layer loads) lists both certificates.
  const auto crl = openssl({"crl", "-in", ca.write_crl(), "-noout", "-text"});
  EXPECT_NE(crl.out.find(second.serial), std::string::npos) << crl.out;
  EXPECT_NE(crl.out.find(first.serial), std::string::npos) << crl.out;
  // The name is free again; the new device starts with its own certificates.
  ca.add_device("dev1", "sensor");
  EXPECT_EQ(ca.try_run({"device", "show", "dev1"}).exit_code, 0);
}

// A device with an unused EST token is removed too: the token dies with it (a token only ever
// enrolls its own device), and a device registered later under the same name cannot use it.
TEST(AdminCommands, DeviceRemoveAlsoEndsItsEnrollmentTokens) {
  CaFixture ca;
  ca.add_role("sensor");
  ca.add_device("dev1", "sensor");
  ca.run({"device", "token", "dev1", "--ttl", "1h"});
  ASSERT_EQ(count(ca.db_path(), "SELECT count(*) FROM enrollment_tokens"), 1);
  const auto removed = ca.try_run({"device", "remove", "dev1"});
  ASSERT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_EQ(count(ca.db_path(), "SELECT count(*) FROM devices"), 0);
  EXPECT_EQ(count(ca.db_path(), "SELECT count(*) FROM enrollment_tokens"), 0);
  ca.add_device("dev1", "sensor");
  EXPECT_EQ(count(ca.db_path(), "SELECT count(*) FROM enrollment_tokens"), 0);
}

TEST(AdminCommands, SetRoleMovesOneDevice) {
  CaFixture ca;
  ca.add_role("sensor");
  ca.add_role("gateway");
  ca.add_device("dev1", "sensor");
  ca.add_device("dev2", "sensor");
  const auto moved = ca.run({"device", "set-role", "dev1", "gateway"});
  EXPECT_NE(moved.out.find("now has role 'gateway'"), std::string::npos) << moved.out;
  EXPECT_EQ(count(ca.db_path(), "SELECT count(*) FROM devices WHERE role = 'gateway'"), 1);
  const std::string before = registry_fingerprint(ca.db_path());
  const auto again = ca.run({"device", "set-role", "dev1", "gateway"});
  EXPECT_NE(again.out.find("already has role"), std::string::npos) << again.out;
  EXPECT_EQ(registry_fingerprint(ca.db_path()), before);
  EXPECT_EQ(count(ca.db_path(),
                  "SELECT count(*) FROM audit_log WHERE action = "
                  "'device-set-role' AND detail = 'role=gateway previous=sensor'"),
            1);
}

TEST(AdminCommands, RuleRemovedByTheIdRoleShowPrints) {
  CaFixture ca;
  ca.add_role("sensor");
  ca.allow("sensor", "publish", "factory/%u/#");
  ca.allow("sensor", "subscribe", "cmd/%u/#");
  const auto shown = nlohmann::json::parse(ca.run({"role", "show", "sensor", "--json"}).out);
  ASSERT_EQ(shown["rules"].size(), 2U);
  const std::int64_t id = shown["rules"][0]["id"];
  EXPECT_EQ(shown["rules"][0]["pattern"], "factory/%u/#");
  const auto table = ca.run({"role", "show", "sensor"}).out;
  EXPECT_NE(table.find("ID"), std::string::npos) << table;
  ca.run({"role", "rule", "remove", "sensor", std::to_string(id)});
  const auto after = nlohmann::json::parse(ca.run({"role", "show", "sensor", "--json"}).out);
  ASSERT_EQ(after["rules"].size(), 1U);
  EXPECT_EQ(after["rules"][0]["pattern"], "cmd/%u/#");
  // Removing the allow did not need a deny: the rule is simply gone.
  EXPECT_EQ(count(ca.db_path(), "SELECT count(*) FROM role_rules WHERE effect = 'deny'"), 0);
}

// Issue 12: a role's client-id rule is set at creation or later, audited, shown.
TEST(AdminCommands, RoleClientIdRuleIsSetShownAndAudited) {
  CaFixture ca;
  ca.run({"role", "add", "gateway", "--client-id", "prefix"});
  ca.add_role("sensor");
  EXPECT_EQ(nlohmann::json::parse(ca.run({"role", "show", "gateway", "--json"}).out)["client_id"],
            "prefix");
  EXPECT_EQ(nlohmann::json::parse(ca.run({"role", "show", "sensor", "--json"}).out)["client_id"],
            "exact");
  EXPECT_NE(ca.run({"role", "show", "gateway"}).out.find("(client ids: prefix)"),
            std::string::npos);
  const auto listed = nlohmann::json::parse(ca.run({"role", "list", "--json"}).out);
  ASSERT_EQ(listed.size(), 2U);
  EXPECT_EQ(listed[0]["client_id"], "prefix");
  const auto set = ca.run({"role", "set-client-id", "sensor", "prefix"});
  EXPECT_NE(set.out.find("role 'sensor' now uses prefix client ids"), std::string::npos) << set.out;
  const auto again = ca.run({"role", "set-client-id", "sensor", "prefix"});
  EXPECT_NE(again.out.find("already uses prefix"), std::string::npos) << again.out;
  ca.run({"role", "set-client-id", "gateway", "exact"});
  EXPECT_EQ(count(ca.db_path(), "SELECT count(*) FROM roles WHERE client_id_rule = 'prefix'"), 1);
  // One audit row per change, none for the repeated one.
  EXPECT_EQ(
      count(ca.db_path(), "SELECT count(*) FROM audit_log WHERE action = 'role-set-client-id'"), 2);
  EXPECT_EQ(count(ca.db_path(),
                  "SELECT count(*) FROM audit_log WHERE action = 'role-add' AND detail = "
                  "'role=gateway client_id=prefix'"),
            1);
}

TEST(AdminCommands, UnusedRoleRemovedWithItsRules) {
  CaFixture ca;
  ca.add_role("old");
  ca.allow("old", "publish", "a/#");
  ca.run({"role", "remove", "old"});
  EXPECT_EQ(count(ca.db_path(), "SELECT count(*) FROM roles"), 0);
  EXPECT_EQ(count(ca.db_path(), "SELECT count(*) FROM role_rules"), 0);
  EXPECT_EQ(count(ca.db_path(), "SELECT count(*) FROM audit_log WHERE action = 'role-remove'"), 1);
}

TEST(AdminCommands, ExpiringListsValidCertificatesInsideTheWindow) {
  CaFixture ca;
  ca.add_role("sensor");
  for (const char* name : {"soon", "later", "revoked", "expired"}) ca.add_device(name, "sensor");
  const auto soon = ca.enroll("soon", {"--days", "10"});
  const auto later = ca.enroll("later", {"--days", "200"});
  const auto revoked = ca.enroll("revoked", {"--days", "5"});
  ca.revoke(revoked.serial);
  const auto expired = ca.enroll("expired", {"--days", "1", "--backdate-days", "3"});
  const auto in_30 = nlohmann::json::parse(ca.run({"cert", "expiring", "--json"}).out);
  ASSERT_EQ(in_30.size(), 1U) << in_30.dump();
  EXPECT_EQ(in_30[0]["serial"], soon.serial);
  EXPECT_EQ(in_30[0]["status"], "valid");
  // Soonest first; the broker certificate (365 days) is inside a 400-day window.
  const auto in_400 =
      nlohmann::json::parse(ca.run({"cert", "expiring", "--within", "400d", "--json"}).out);
  ASSERT_EQ(in_400.size(), 3U) << in_400.dump();
  EXPECT_EQ(in_400[0]["serial"], soon.serial);
  EXPECT_EQ(in_400[1]["serial"], later.serial);
  EXPECT_EQ(in_400[2]["kind"], "server");
  const auto in_hours = ca.run({"cert", "expiring", "--within", "48h"}).out;
  EXPECT_EQ(in_hours.find(soon.serial), std::string::npos) << in_hours;
  EXPECT_EQ(in_hours.find(expired.serial), std::string::npos) << in_hours;
}

TEST(AdminCommands, VersionOnEveryBinary) {
  const std::string bin_dir =
      certacl::test::ca_binary().substr(0, certacl::test::ca_binary().rfind('/'));
  for (const char* program : {"certacl-ca", "certacl-sim", "certacl-device"}) {
    const auto result = certacl::test::run_command({bin_dir + "/" + program, "--version"});
    EXPECT_EQ(result.exit_code, 0) << program << result.err;
    EXPECT_EQ(result.out.rfind(std::string(program) + " ", 0), 0U) << result.out;
    EXPECT_EQ(line_count(result.out), 1) << result.out;
  }
}

}  // namespace
}  // namespace certacl::ca::test
