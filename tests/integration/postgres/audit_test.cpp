// The audit log is append-only twice over: the CA role has no UPDATE, DELETE or TRUNCATE on
// it, and a trigger refuses them even for the table's owner.
#include <gtest/gtest.h>

#include "postgres_world.h"
#include "refusal.h"

namespace certacl::test {
namespace {

using store::PostgresConnection;

class PostgresAudit : public ::testing::Test {
 protected:
  PostgresWorld world_;
};

bool same_rows(const std::vector<store::AuditRow>& a, const std::vector<store::AuditRow>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].id != b[i].id || a[i].at != b[i].at || a[i].entry.actor != b[i].entry.actor ||
        a[i].entry.action != b[i].entry.action || a[i].entry.detail != b[i].entry.detail) {
      return false;
    }
  }
  return true;
}

TEST_F(PostgresAudit, EveryWriteAppendsItsAuditRowInTheSameTransaction) {
  store::PostgresStore writer(world_.ca);
  world_.seed(writer, 2);
  const std::vector<std::string> revoked = writer.revoke_device("device-1", 1, "alice");
  ASSERT_EQ(revoked.size(), 1U);

  const std::vector<store::AuditRow> audit = writer.load_audit();
  std::vector<std::string> actions;
  actions.reserve(audit.size());
  for (const store::AuditRow& row : audit) actions.push_back(row.entry.action);
  EXPECT_EQ(actions, (std::vector<std::string>{"role-add", "role-allow", "role-allow", "device-add",
                                               "sign", "device-add", "sign", "revoke"}));
  EXPECT_EQ(audit.back().entry.actor, "alice");
  EXPECT_EQ(audit.back().entry.device, "device-1");
  EXPECT_TRUE(audit[4].entry.serial.has_value()) << "a sign row names the serial";
  EXPECT_EQ(audit.back().entry.serial, std::nullopt) << "one revoke row per device";
}

TEST_F(PostgresAudit, CaRoleCannotUpdateDeleteOrTruncateAuditRows) {
  store::PostgresStore writer(world_.ca);
  writer.append_audit({"alice", "note", "device-0", std::nullopt, "kept forever"});
  const std::vector<store::AuditRow> before = writer.load_audit();

  PostgresConnection ca(world_.ca);
  EXPECT_NO_PRIVILEGE(ca, "UPDATE certacl.audit_log SET detail = 'rewritten'");
  EXPECT_NO_PRIVILEGE(ca, "DELETE FROM certacl.audit_log");
  EXPECT_NO_PRIVILEGE(ca, "TRUNCATE certacl.audit_log");
  EXPECT_TRUE(same_rows(writer.load_audit(), before));
}

TEST_F(PostgresAudit, TriggersRefuseChangesEvenFromTheOwner) {
  store::PostgresStore writer(world_.ca);
  writer.add_role("sensor", "alice");  // gives the change log a row to protect too
  writer.append_audit({"alice", "note", std::nullopt, std::nullopt, "kept forever"});
  const std::vector<store::AuditRow> before = writer.load_audit();

  PostgresConnection owner(world_.admin);  // the superuser that applied the schema
  for (const std::string sql :
       {"UPDATE certacl.audit_log SET detail = 'rewritten'", "DELETE FROM certacl.audit_log",
        "TRUNCATE certacl.audit_log", "DELETE FROM certacl.change_log",
        "UPDATE certacl.change_log SET counter = counter + 1000"}) {
    const store::PostgresError error = refusal_of(owner, sql);
    EXPECT_NE(std::string(error.what()).find("is append-only"), std::string::npos)
        << sql << " -> " << error.what();
  }
  EXPECT_TRUE(same_rows(writer.load_audit(), before));
}

TEST_F(PostgresAudit, NoRegistryTableCanBeTruncatedPastTheChangeLog) {
  store::PostgresStore writer(world_.ca);
  world_.seed(writer, 1);
  PostgresConnection owner(world_.admin);
  for (const std::string table : {"roles", "role_rules", "devices", "certificates"}) {
    const store::PostgresError error = refusal_of(owner, "TRUNCATE certacl." + table + " CASCADE");
    EXPECT_NE(std::string(error.what()).find("cannot be truncated"), std::string::npos)
        << table << " -> " << error.what();
  }
  EXPECT_EQ(owner.exec("SELECT count(*) FROM certacl.devices").int64(0, 0), 1);
}

}  // namespace
}  // namespace certacl::test
