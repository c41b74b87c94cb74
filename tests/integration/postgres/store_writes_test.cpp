// The CA's writes on PostgreSQL refuse what the SQLite CA refuses, with a refusal the CLI can
// map to its exit codes, and leave the database unchanged when they do.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <functional>

#include "certacl/store/postgres_registry_reader.h"
#include "postgres_world.h"

namespace certacl::test {
namespace {

using store::StoreRefusal;

StoreRefusal::Kind refusal_kind(const std::function<void()>& write) {
  try {
    write();
  } catch (const StoreRefusal& refusal) {
    return refusal.kind();
  }
  ADD_FAILURE() << "the write was accepted";
  return StoreRefusal::Kind::kExhausted;
}

class PostgresStoreWrites : public ::testing::Test {
 protected:
  void SetUp() override { world_.seed(writer_, 1); }
  PostgresWorld world_;
  store::PostgresStore writer_{world_.ca};
};

TEST_F(PostgresStoreWrites, TheCaRowIsWrittenOnceAndAudited) {
  const store::CaRow ca{"Factory CA", "-----BEGIN CERTIFICATE-----\n…", "/etc/certacl/ca.key",
                        true};
  writer_.init_ca(ca, "alice");
  EXPECT_EQ(refusal_kind([&] { writer_.init_ca(ca, "mallory"); }),
            StoreRefusal::Kind::kAlreadyExists);
  store::PostgresConnection admin(world_.admin);
  const store::PostgresResult row =
      admin.exec("SELECT name, key_path, key_encrypted FROM certacl.ca");
  ASSERT_EQ(row.rows(), 1);
  EXPECT_EQ(row.text(0, 0), "Factory CA");
  EXPECT_EQ(row.text(0, 1), "/etc/certacl/ca.key");
  EXPECT_TRUE(row.boolean(0, 2));
  const auto audit = writer_.load_audit();
  EXPECT_EQ(
      std::count_if(audit.begin(), audit.end(),
                    [](const store::AuditRow& entry) { return entry.entry.action == "init"; }),
      1);
}

TEST_F(PostgresStoreWrites, TheBrokerReadsTheFingerprintOfTheCaCertificate) {
  store::PostgresRegistryReader reader(world_.broker);
  EXPECT_EQ(reader.load_registry().ca_certificate_sha256, "") << "before the CA row exists";

  TempDir scratch;
  const CommandResult made =
      run_command({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                   "ec_paramgen_curve:P-256", "-nodes", "-keyout", scratch.file("ca.key"), "-out",
                   scratch.file("ca.pem"), "-subj", "/CN=Factory CA", "-days", "1"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  const CommandResult fingerprint = run_command(
      {"openssl", "x509", "-in", scratch.file("ca.pem"), "-noout", "-fingerprint", "-sha256"});
  ASSERT_EQ(fingerprint.exit_code, 0) << fingerprint.err;
  std::string expected;  // "sha256 Fingerprint=AB:CD:…" → "abcd…"
  for (const char c : fingerprint.out.substr(fingerprint.out.find('=') + 1)) {
    if (std::isxdigit(static_cast<unsigned char>(c)) != 0) {
      expected += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  ASSERT_EQ(expected.size(), 64U);

  writer_.init_ca({"Factory CA", read_file(scratch.file("ca.pem")), scratch.file("ca.key"), false},
                  "alice");
  EXPECT_EQ(reader.load_registry().ca_certificate_sha256, expected);
}

TEST_F(PostgresStoreWrites, TheKeyFingerprintIsStoredWithTheCertificate) {
  store::PostgresConnection admin(world_.admin);
  const store::PostgresResult row =
      admin.exec("SELECT serial, public_key_sha256 FROM certacl.certificates");
  ASSERT_EQ(row.rows(), 1);
  EXPECT_EQ(row.optional_text(0, 1),
            certificate_for("device-0", std::string(row.text(0, 0))).public_key_sha256);
}

TEST_F(PostgresStoreWrites, DuplicatesAndUnknownNamesAreRefusedWithoutAChange) {
  store::PostgresRegistryReader reader(world_.broker);
  const std::int64_t counter = reader.change_counter();
  const std::size_t audit_rows = writer_.load_audit().size();

  EXPECT_EQ(refusal_kind([&] { writer_.add_role("sensor", "test"); }),
            StoreRefusal::Kind::kAlreadyExists);
  EXPECT_EQ(refusal_kind([&] {
              writer_.add_rule({"sensor", RuleEffect::kAllow, RuleAction::kPublish, "sensors/%c/#"},
                               "test");
            }),
            StoreRefusal::Kind::kAlreadyExists);
  EXPECT_EQ(refusal_kind([&] {
              writer_.add_rule({"ghost", RuleEffect::kAllow, RuleAction::kPublish, "x"}, "test");
            }),
            StoreRefusal::Kind::kNotFound);
  EXPECT_EQ(refusal_kind([&] {
              writer_.add_device(Device{"new", "ghost", true, {}, {}, 0, 0}, "test");
            }),
            StoreRefusal::Kind::kNotFound);
  EXPECT_EQ(refusal_kind([&] { writer_.set_device_enabled("ghost", false, "test"); }),
            StoreRefusal::Kind::kNotFound);
  EXPECT_EQ(refusal_kind([&] { (void)writer_.revoke_device("ghost", 1, "test"); }),
            StoreRefusal::Kind::kNotFound);

  EXPECT_EQ(reader.change_counter(), counter);
  EXPECT_EQ(writer_.load_audit().size(), audit_rows);
}

TEST_F(PostgresStoreWrites, RevokingTwiceRevokesNothingTheSecondTime) {
  EXPECT_EQ(writer_.revoke_device("device-0", 1, "test").size(), 1U);
  EXPECT_TRUE(writer_.revoke_device("device-0", 1, "test").empty());
  store::PostgresRegistryReader reader(world_.broker);
  const RegistryContents contents = reader.load_registry();
  ASSERT_EQ(contents.device_certificates.size(), 1U);
  EXPECT_EQ(contents.device_certificates[0].revocation_reason, 1);
  EXPECT_GT(contents.device_certificates[0].revoked_at.value_or(0), 1'600'000'000);
}

}  // namespace
}  // namespace certacl::test
