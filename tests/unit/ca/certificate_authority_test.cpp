#include "certificate_authority.h"

#include <gtest/gtest.h>

#include <set>

#include "ca_error.h"
#include "ca_test_world.h"
#include "certacl/certificate_facts.h"
#include "certacl/schema.h"
#include "device_issuance.h"
#include "device_registry.h"

namespace certacl::ca {
namespace {

using test::CaWorld;
using test::make_csr_pem;

ExitCode failure_code(const std::function<void()>& action) {
  try {
    action();
  } catch (const CaError& error) {
    return error.code();
  }
  return ExitCode::kOk;
}

DeviceIssueRequest request_for(const std::string& common_name, EVP_PKEY* key,
                               bool ask_for_ca = false) {
  DeviceIssueRequest request;
  request.csr_pem = make_csr_pem({{"O", "evil"}, {"CN", common_name}}, key, nullptr, ask_for_ca);
  request.csr_origin = "test.csr";
  return request;
}

TEST(Validity, DaysAndBackdate) {
  const Validity normal = validity_for(10, 0, kMaxLeafDays);
  EXPECT_EQ(normal.not_after - normal.not_before, 10 * 86400 + kClockSkewSeconds);
  const Validity expired = validity_for(1, 3, kMaxLeafDays);
  EXPECT_LT(expired.not_after, unix_now());
  EXPECT_EQ(failure_code([] { (void)validity_for(0, 0, kMaxLeafDays); }), ExitCode::kBadInput);
  EXPECT_EQ(failure_code([] { (void)validity_for(826, 0, kMaxLeafDays); }), ExitCode::kBadInput);
  EXPECT_EQ(failure_code([] { (void)validity_for(1, -1, kMaxLeafDays); }), ExitCode::kBadInput);
}

TEST(Serial, HasAtLeast128RandomBitsAndIsPositive) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    const BignumPtr serial = random_serial();
    EXPECT_GE(BN_num_bits(serial.get()), 128);
    EXPECT_FALSE(BN_is_negative(serial.get()));
    const OpensslStringPtr hex(BN_bn2hex(serial.get()));
    seen.insert(hex.get());
  }
  EXPECT_EQ(seen.size(), 200u);
}

TEST(DeviceIssuance, CaDecidesEveryExtension) {
  CaWorld world;
  const EvpPkeyPtr key = generate_key(KeyType::kEcP256);
  const IssuedCertificate issued =
      issue_device_certificate(world.db(), world.authority(), request_for("dev1", key.get(), true));
  const X509Ptr certificate = parse_certificate_pem(issued.pem);
  ASSERT_TRUE(certificate);
  EXPECT_EQ(X509_verify(certificate.get(), X509_get0_pubkey(world.authority().certificate())), 1);
  EXPECT_EQ(X509_check_ca(certificate.get()), 0);  // CA:TRUE in the CSR is ignored
  EXPECT_EQ(name_text(X509_get_subject_name(certificate.get())), "CN=dev1");
  EXPECT_TRUE(X509_get_extended_key_usage(certificate.get()) & XKU_SSL_CLIENT);
  EXPECT_FALSE(X509_get_extended_key_usage(certificate.get()) & XKU_SSL_SERVER);
  EXPECT_EQ(X509_get_key_usage(certificate.get()),
            static_cast<std::uint32_t>(KU_DIGITAL_SIGNATURE));
  EXPECT_NE(X509_get0_subject_key_id(certificate.get()), nullptr);
  EXPECT_NE(X509_get0_authority_key_id(certificate.get()), nullptr);
  EXPECT_TRUE(subject_alt_names(certificate.get(), GEN_DNS).empty());
  EXPECT_EQ(EVP_PKEY_eq(X509_get0_pubkey(certificate.get()), key.get()), 1);

  const auto record = find_certificate(world.db(), issued.serial);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->serial, serial_hex(certificate.get()));
  EXPECT_EQ(record->sha256, sha256_fingerprint(certificate.get()));
  EXPECT_EQ(record->device, "dev1");
  EXPECT_EQ(record->issuer, "CN=unit test CA");
  EXPECT_EQ(world.db().query_int64("SELECT count(*) FROM audit_log WHERE action = 'sign' AND "
                                   "serial = '" +
                                   issued.serial + "'"),
            1);
}

TEST(DeviceIssuance, PutsOnlyRegisteredSans) {
  CaWorld world;
  {
    WriteTransaction transaction(world.db());
    add_device(world.db(), NewDevice{"cam-2", "sensor", "cam-2.example", "urn:dev:cam-2"});
    transaction.commit();
  }
  const EvpPkeyPtr key = generate_key(KeyType::kEd25519);
  const IssuedCertificate issued =
      issue_device_certificate(world.db(), world.authority(), request_for("cam-2", key.get()));
  const X509Ptr certificate = parse_certificate_pem(issued.pem);
  EXPECT_EQ(subject_alt_names(certificate.get(), GEN_DNS),
            std::vector<std::string>{"cam-2.example"});
  EXPECT_EQ(subject_alt_names(certificate.get(), GEN_URI),
            std::vector<std::string>{"urn:dev:cam-2"});
}

TEST(DeviceIssuance, RefusalsLeaveDatabaseUnchanged) {
  CaWorld world;
  {
    WriteTransaction transaction(world.db());
    add_device(world.db(), NewDevice{"off", "sensor", std::nullopt, std::nullopt});
    (void)set_device_enabled(world.db(), "off", false);
    transaction.commit();
  }
  const std::int64_t counter = read_change_counter(world.db());
  const std::int64_t audit = world.count("audit_log");
  const EvpPkeyPtr key = generate_key(KeyType::kEcP256);
  const auto& ca = world.authority();
  EXPECT_EQ(failure_code([&] {
              (void)issue_device_certificate(world.db(), ca, request_for("ghost", key.get()));
            }),
            ExitCode::kNotFound);
  EXPECT_EQ(failure_code([&] {
              (void)issue_device_certificate(world.db(), ca, request_for("off", key.get()));
            }),
            ExitCode::kConflict);
  DeviceIssueRequest renew = request_for("dev1", key.get());
  renew.action = IssueAction::kRenew;
  EXPECT_EQ(failure_code([&] { (void)issue_device_certificate(world.db(), ca, renew); }),
            ExitCode::kNotFound);
  DeviceIssueRequest garbage;
  garbage.csr_pem = "not a csr";
  EXPECT_EQ(failure_code([&] { (void)issue_device_certificate(world.db(), ca, garbage); }),
            ExitCode::kBadInput);
  EXPECT_EQ(read_change_counter(world.db()), counter);
  EXPECT_EQ(world.count("audit_log"), audit);
  EXPECT_EQ(world.count("certificates"), 0);
}

TEST(DeviceIssuance, RenewAfterSignIssuesNewSerial) {
  CaWorld world;
  const EvpPkeyPtr key = generate_key(KeyType::kEcP256);
  const auto first =
      issue_device_certificate(world.db(), world.authority(), request_for("dev1", key.get()));
  DeviceIssueRequest renew = request_for("dev1", key.get());
  renew.action = IssueAction::kRenew;
  const auto second = issue_device_certificate(world.db(), world.authority(), renew);
  EXPECT_NE(first.serial, second.serial);
  EXPECT_EQ(world.count("certificates"), 2);
}

TEST(DeviceIssuance, ErrorNamesDeviceAndCause) {
  CaWorld world;
  const EvpPkeyPtr key = generate_key(KeyType::kEcP256);
  try {
    (void)issue_device_certificate(world.db(), world.authority(),
                                   request_for("sensor-7", key.get()));
    FAIL() << "expected refusal";
  } catch (const CaError& error) {
    EXPECT_STREQ(error.what(),
                 "cannot sign CSR from device 'sensor-7': CN 'sensor-7' does not match a "
                 "registered device");
  }
}

// Each certificate row carries the SHA-256 of its SubjectPublicKeyInfo; rows an older
// schema stored without it are filled in from certificate_pem by the migration.
TEST(PublicKeyFingerprint, IsRecordedAndBackfilledFromTheCertificate) {
  CaWorld world;
  const EvpPkeyPtr key = generate_key(KeyType::kEcP256);
  const auto issued =
      issue_device_certificate(world.db(), world.authority(), request_for("dev1", key.get()));
  const auto stored = [&] {
    Statement query =
        world.db().prepare("SELECT public_key_sha256 FROM certificates WHERE serial = ?1");
    query.bind(1, issued.serial);
    EXPECT_TRUE(query.step());
    return query.column_optional_text(0);
  };
  ASSERT_EQ(stored(), public_key_sha256(key.get()));
  ASSERT_EQ(public_key_sha256(key.get()).size(), 64U);

  world.db().exec("UPDATE certificates SET public_key_sha256 = NULL");
  apply_migrations(world.db());
  EXPECT_EQ(stored(), public_key_sha256(key.get()));
  EXPECT_EQ(read_schema_version(world.db()), kSchemaVersion);
}

}  // namespace
}  // namespace certacl::ca
