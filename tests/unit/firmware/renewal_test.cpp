// Enrollment over EST and power-safe renewal into the other credential slot.
#include <gtest/gtest.h>

#include "certacl_fw/certificate_check.h"
#include "certacl_fw/provisioning.h"
#include "est_test_peer.h"
#include "firmware_test_support.h"

namespace certacl::fw {
namespace {

class FirmwareRenewal : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(provisioner.install_ca_certificate(ca.certificate_pem()).ok());
    ASSERT_TRUE(provisioner.enroll(est, "sensor-7", "one-time-token").ok());
  }

  std::string serial_of_current() {
    auto credentials = provisioner.load_credentials();
    EXPECT_TRUE(credentials.ok()) << credentials.error();
    return credentials ? credentials.value().certificate_pem : "";
  }

  std::unique_ptr<Random> random = test::make_random();
  test::MemoryStore store;
  Provisioner provisioner{store, *random};
  test::TestCa ca;
  test::EstTestPeer peer{ca, "sensor-7", "one-time-token"};
  EstClient est{peer};
};

TEST_F(FirmwareRenewal, EnrollmentStoresAVerifiedCertificateInSlotZero) {
  auto credentials = provisioner.load_credentials();
  ASSERT_TRUE(credentials.ok()) << credentials.error();
  EXPECT_EQ(credentials.value().slot, 0);
  EXPECT_EQ(credentials.value().name, "sensor-7");
  EXPECT_EQ(store.items.at(CredentialItem::active_slot), "0");
}

TEST_F(FirmwareRenewal, EnrollmentWithoutATokenIsRefusedBeforeAnyRequest) {
  test::MemoryStore fresh;
  Provisioner other(fresh, *random);
  ASSERT_TRUE(other.install_ca_certificate(ca.certificate_pem()).ok());
  const auto seen_before = peer.seen.size();
  EXPECT_FALSE(other.enroll(est, "sensor-7", "").ok());
  EXPECT_EQ(peer.seen.size(), seen_before);
}

TEST_F(FirmwareRenewal, RenewalRotatesTheKeyIntoTheOtherSlotOverMutualTls) {
  const std::string old_key = store.items.at(CredentialItem::device_key);
  ASSERT_TRUE(provisioner.renew(est, /*rotate_key=*/true).ok());
  auto credentials = provisioner.load_credentials();
  ASSERT_TRUE(credentials.ok()) << credentials.error();
  EXPECT_EQ(credentials.value().slot, 1);
  EXPECT_NE(store.items.at(CredentialItem::spare_key), old_key);
  // The old credentials are still there until the next renewal overwrites them.
  EXPECT_EQ(store.items.at(CredentialItem::device_key), old_key);
  EXPECT_TRUE(peer.seen.back().client_identity);
  EXPECT_EQ(peer.seen.back().path, "/.well-known/est/simplereenroll");

  ASSERT_TRUE(provisioner.renew(est, true).ok());
  EXPECT_EQ(provisioner.load_credentials().value().slot, 0);
}

TEST_F(FirmwareRenewal, RenewalCanKeepTheKey) {
  ASSERT_TRUE(provisioner.renew(est, /*rotate_key=*/false).ok());
  EXPECT_EQ(store.items.at(CredentialItem::spare_key), store.items.at(CredentialItem::device_key));
  EXPECT_EQ(provisioner.load_credentials().value().slot, 1);
}

TEST_F(FirmwareRenewal, ACertificateForAnotherNameIsRefusedAndTheOldOneKept) {
  const std::string before = serial_of_current();
  peer.sign_as = "sensor-8";
  const auto renewed = provisioner.renew(est, true);
  ASSERT_FALSE(renewed.ok());
  EXPECT_NE(renewed.error().find("refusing the renewed certificate"), std::string::npos)
      << renewed.error();
  EXPECT_EQ(serial_of_current(), before);
  EXPECT_EQ(store.items.at(CredentialItem::active_slot), "0");
}

TEST_F(FirmwareRenewal, AFailedRequestKeepsTheWorkingCredentials) {
  const std::string before = serial_of_current();
  peer.unreachable = true;
  EXPECT_FALSE(provisioner.renew(est, true).ok());
  EXPECT_EQ(serial_of_current(), before);
}

// A power cut after each step: the storage as it was at that moment must still give the
// device working credentials, and a later renewal from that state must succeed.
TEST_F(FirmwareRenewal, APowerCutAfterAnyStepLeavesWorkingCredentials) {
  for (const auto cut_after : {RenewalStep::key_stored, RenewalStep::certificate_received,
                               RenewalStep::certificate_stored, RenewalStep::slot_switched}) {
    SCOPED_TRACE(std::string(renewal_step_name(cut_after)));
    test::MemoryStore snapshot;
    ASSERT_TRUE(provisioner
                    .renew(est, true,
                           [&](RenewalStep step) {
                             if (step == cut_after) snapshot.items = store.items;
                           })
                    .ok());
    Provisioner rebooted(snapshot, *random);
    auto credentials = rebooted.load_credentials();
    ASSERT_TRUE(credentials.ok()) << credentials.error();
    EXPECT_EQ(credentials.value().slot == provisioner.load_credentials().value().slot,
              cut_after == RenewalStep::slot_switched);
    EXPECT_TRUE(rebooted.renew(est, true).ok());
  }
}

TEST_F(FirmwareRenewal, ABrokenActiveSlotFallsBackToTheOtherVerifiedOne) {
  ASSERT_TRUE(provisioner.renew(est, true).ok());
  store.items[CredentialItem::spare_certificate] = "garbage";
  auto credentials = provisioner.load_credentials();
  ASSERT_TRUE(credentials.ok()) << credentials.error();
  EXPECT_EQ(credentials.value().slot, 0);
}

TEST_F(FirmwareRenewal, AnExpiredSlotIsNeverUsed) {
  test::MemoryStore fresh;
  Provisioner other(fresh, *random);
  test::EstTestPeer expiring{ca, "sensor-7", "t"};
  expiring.sign_options.valid_from_offset_seconds = -7200;
  expiring.sign_options.valid_for_seconds = 3600;
  EstClient expired_est{expiring};
  ASSERT_TRUE(other.install_ca_certificate(ca.certificate_pem()).ok());
  const auto enrolled = other.enroll(expired_est, "sensor-7", "t");
  ASSERT_FALSE(enrolled.ok());
  EXPECT_NE(enrolled.error().find("expired"), std::string::npos) << enrolled.error();
  EXPECT_FALSE(other.load_credentials().ok());
}

}  // namespace
}  // namespace certacl::fw
