#include "revocation.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>

#include "ca_error.h"
#include "ca_test_world.h"
#include "device_issuance.h"

namespace certacl::ca {
namespace {

using test::CaWorld;

std::string issue(CaWorld& world) {
  const EvpPkeyPtr key = generate_key(KeyType::kEcP256);
  DeviceIssueRequest request;
  request.csr_pem = test::make_csr_pem({{"CN", "dev1"}}, key.get());
  return issue_device_certificate(world.db(), world.authority(), request).serial;
}

ExitCode revoke(CaWorld& world, const std::string& serial, int reason) {
  try {
    WriteTransaction transaction(world.db());
    revoke_serial(world.db(), serial, reason);
    transaction.commit();
  } catch (const CaError& error) {
    return error.code();
  }
  return ExitCode::kOk;
}

TEST(RevocationReason, AcceptsRfc5280NamesAndCodes) {
  EXPECT_EQ(parse_revocation_reason("keyCompromise"), 1);
  EXPECT_EQ(parse_revocation_reason("KEYCOMPROMISE"), 1);
  EXPECT_EQ(parse_revocation_reason("superseded"), 4);
  EXPECT_EQ(parse_revocation_reason("cessationOfOperation"), 5);
  EXPECT_EQ(parse_revocation_reason("unspecified"), 0);
  EXPECT_EQ(parse_revocation_reason("9"), 9);
  EXPECT_FALSE(parse_revocation_reason("certificateHold"));
  EXPECT_FALSE(parse_revocation_reason("8"));
  EXPECT_FALSE(parse_revocation_reason("7"));
  EXPECT_FALSE(parse_revocation_reason("lost"));
  EXPECT_EQ(revocation_reason_name(4), "superseded");
}

TEST(SerialText, NormalizesToStoredForm) {
  EXPECT_EQ(normalize_serial("0x0a:bc"), "ABC");
  EXPECT_EQ(normalize_serial("00ff"), "FF");
  EXPECT_THROW((void)normalize_serial("xyz"), CaError);
  EXPECT_THROW((void)normalize_serial(""), CaError);
}

TEST(Revocation, RevokesOnceAndRecordsReason) {
  CaWorld world;
  const std::string serial = issue(world);
  EXPECT_EQ(revoke(world, serial, 1), ExitCode::kOk);
  const auto record = find_certificate(world.db(), serial);
  ASSERT_TRUE(record && record->revoked());
  EXPECT_EQ(record->revocation_reason, 1);
  EXPECT_EQ(revoke(world, serial, 1), ExitCode::kConflict);
  EXPECT_EQ(revoke(world, "ABCDEF", 1), ExitCode::kNotFound);
}

TEST(Revocation, DeviceRevocationCoversAllItsCertificates) {
  CaWorld world;
  const std::string first = issue(world);
  const std::string second = issue(world);
  WriteTransaction transaction(world.db());
  const auto revoked = revoke_device(world.db(), "dev1", 5);
  transaction.commit();
  EXPECT_EQ(revoked.size(), 2u);
  EXPECT_TRUE(find_certificate(world.db(), first)->revoked());
  EXPECT_TRUE(find_certificate(world.db(), second)->revoked());
}

TEST(Crl, ListsRevokedSerialsSignedByTheCa) {
  CaWorld world;
  const std::string kept = issue(world);
  const std::string revoked = issue(world);
  ASSERT_EQ(revoke(world, revoked, 4), ExitCode::kOk);
  const std::string pem = build_crl_pem(world.db(), world.authority(), 7);
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509CrlPtr crl(PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
  ASSERT_TRUE(crl);
  EXPECT_EQ(X509_CRL_verify(crl.get(), X509_get0_pubkey(world.authority().certificate())), 1);
  const STACK_OF(X509_REVOKED)* entries = X509_CRL_get_REVOKED(crl.get());
  ASSERT_EQ(sk_X509_REVOKED_num(entries), 1);
  BignumPtr listed(ASN1_INTEGER_to_BN(
      X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(entries, 0)), nullptr));
  const OpensslStringPtr hex(BN_bn2hex(listed.get()));
  EXPECT_EQ(std::string(hex.get()), revoked);
  EXPECT_NE(std::string(hex.get()), kept);
}

// A key revoked for keyCompromise is never certified again, whoever asks (sign, renew) and
// for whichever device; other revocation reasons leave the key usable.
TEST(CompromisedKeys, AreRefusedOnEveryLaterIssuance) {
  CaWorld world;
  const EvpPkeyPtr key = generate_key(KeyType::kEcP256);
  DeviceIssueRequest request;
  request.csr_pem = test::make_csr_pem({{"CN", "dev1"}}, key.get());
  const std::string first = issue_device_certificate(world.db(), world.authority(), request).serial;
  EXPECT_FALSE(key_revoked_for_compromise(world.db(), key.get()));

  ASSERT_EQ(revoke(world, first, 4), ExitCode::kOk);  // superseded: the key may be reused
  const std::string second =
      issue_device_certificate(world.db(), world.authority(), request).serial;
  ASSERT_EQ(revoke(world, second, kReasonKeyCompromise), ExitCode::kOk);
  EXPECT_TRUE(key_revoked_for_compromise(world.db(), key.get()));

  for (const IssueAction action : {IssueAction::kSign, IssueAction::kRenew}) {
    request.action = action;
    const std::int64_t before = world.count("certificates");
    try {
      (void)issue_device_certificate(world.db(), world.authority(), request);
      ADD_FAILURE() << "a compromised key was certified again";
    } catch (const CaError& error) {
      EXPECT_EQ(error.code(), ExitCode::kBadInput);
      EXPECT_NE(std::string(error.what()).find("revoked for keyCompromise"), std::string::npos)
          << error.what();
    }
    EXPECT_EQ(world.count("certificates"), before);
  }
  const EvpPkeyPtr fresh = generate_key(KeyType::kEcP256);
  request.csr_pem = test::make_csr_pem({{"CN", "dev1"}}, fresh.get());
  EXPECT_NO_THROW((void)issue_device_certificate(world.db(), world.authority(), request));
}

}  // namespace
}  // namespace certacl::ca
