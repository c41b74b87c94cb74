// The connect-time decision against a registry snapshot built in memory.
#include "connect_check.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "client_id_ownership.h"
#include "test_fingerprint.h"

namespace certacl::policy {
namespace {

constexpr std::int64_t kNow = 1'800'000'000;
constexpr std::string_view kIssuer = "CN=certacl test CA";

CertificateRecord record(std::string serial, std::string device, std::string sha256) {
  CertificateRecord certificate;
  certificate.serial = std::move(serial);
  certificate.device = std::move(device);
  certificate.subject = "CN=" + *certificate.device;
  certificate.issuer = std::string(kIssuer);
  certificate.not_before = kNow - 100;
  certificate.not_after = kNow + 100;
  certificate.sha256 = test_fingerprint(sha256);
  return certificate;
}

Device device(std::string name, bool enabled = true) {
  Device d;
  d.name = std::move(name);
  d.role = "sensor";
  d.enabled = enabled;
  return d;
}

// A distinct serial per device name, in BN_bn2hex form: the name's bytes in upper-case hex.
std::string serial_for(std::string_view name) {
  std::string serial;
  for (const char c : name) serial += fmt::format("{:02X}", static_cast<unsigned char>(c));
  return serial;
}

PresentedCertificate presented(std::string cn, std::string serial, std::string sha256) {
  PresentedCertificate certificate;
  certificate.serial = std::move(serial);
  certificate.sha256 = test_fingerprint(sha256);
  certificate.issuer = std::string(kIssuer);
  certificate.not_before = kNow - 100;
  certificate.not_after = kNow + 100;
  certificate.common_names = {std::move(cn)};
  return certificate;
}

class ConnectCheckTest : public ::testing::Test {
 protected:
  ConnectCheckTest() {
    RegistryContents contents;
    contents.change_counter = 7;
    contents.devices = {device("dev1"), device("dev2"), device("off", false), device("uri-dev")};
    contents.devices[3].san_uri = "spiffe://fleet/uri-dev";
    contents.devices[3].san_dns = "uri-dev.fleet.example";
    contents.rules = {RoleRule{"sensor", RuleEffect::kAllow, RuleAction::kPublish, "t/%u"}};
    contents.device_certificates = {record("0A", "dev1", "aa"), record("0B", "dev2", "bb"),
                                    record("0C", "off", "cc"),  record("0D", "dev1", "dd"),
                                    record("0E", "dev1", "ee"), record("0F", "uri-dev", "ff")};
    contents.device_certificates[3].revoked_at = kNow - 10;
    contents.device_certificates[3].revocation_reason = 1;
    contents.device_certificates[4].not_after = kNow - 1;
    registry_ = RegistrySnapshot::build(std::move(contents), kNow);
  }

  Reason check(const PresentedCertificate& certificate, std::string_view client_id,
               ConnectPolicy policy = {}) {
    return check_connect(&certificate, true, client_id, *registry_, policy, kNow).decision.reason;
  }

  std::shared_ptr<const RegistrySnapshot> registry_;
};

TEST_F(ConnectCheckTest, IssuedCertificateOfEnabledDeviceIsAllowed) {
  const PresentedCertificate certificate = presented("dev1", "0A", "aa");
  const ConnectVerdict verdict = check_connect(&certificate, true, "dev1", *registry_, {}, kNow);
  EXPECT_TRUE(verdict.decision.allowed());
  EXPECT_EQ(verdict.device, "dev1");
  EXPECT_EQ(verdict.role, "sensor");
  EXPECT_EQ(verdict.serial, "0A");
}

TEST_F(ConnectCheckTest, MissingOrUnreadableCertificateIsRefused) {
  EXPECT_EQ(check_connect(nullptr, false, "dev1", *registry_, {}, kNow).decision.reason,
            Reason::kNoCertificate);
  EXPECT_EQ(check_connect(nullptr, true, "dev1", *registry_, {}, kNow).decision.reason,
            Reason::kMalformedCertificate);
}

TEST_F(ConnectCheckTest, IdentityInjectionIsRefused) {
  for (const std::string& cn :
       std::vector<std::string>{"dev+", "dev#", "dev/1", std::string("dev1\0x", 5), "dev\n1",
                                std::string("#"), std::string("+"), std::string()}) {
    SCOPED_TRACE(printable(cn));
    EXPECT_EQ(check(presented(cn, "0A", "aa"), "dev1"), Reason::kIdentityInvalid);
  }
}

TEST_F(ConnectCheckTest, ExactlyOneCommonNameIsRequired) {
  PresentedCertificate two = presented("dev1", "0A", "aa");
  two.common_names.push_back("dev2");
  EXPECT_EQ(check(two, "dev1"), Reason::kIdentityAmbiguous);
  PresentedCertificate none = presented("dev1", "0A", "aa");
  none.common_names.clear();
  EXPECT_EQ(check(none, "dev1"), Reason::kIdentityAmbiguous);
}

TEST_F(ConnectCheckTest, CertificateMustBeTheRecordedOne) {
  EXPECT_EQ(check(presented("dev1", "99", "aa"), "dev1"), Reason::kUnknownCertificate);
  EXPECT_EQ(check(presented("dev1", "0A", "00"), "dev1"), Reason::kFingerprintMismatch);
  PresentedCertificate other_issuer = presented("dev1", "0A", "aa");
  other_issuer.issuer = "CN=evil";
  EXPECT_EQ(check(other_issuer, "dev1"), Reason::kIssuerMismatch);
  // dev2's genuine certificate presented with a CN claiming dev1 (cannot happen without a
  // forged certificate, but the record decides).
  EXPECT_EQ(check(presented("dev1", "0B", "bb"), "dev1"), Reason::kCertificateOfOtherDevice);
}

TEST_F(ConnectCheckTest, RevokedExpiredAndNotYetValidAreRefused) {
  EXPECT_EQ(check(presented("dev1", "0D", "dd"), "dev1"), Reason::kCertificateRevoked);
  EXPECT_EQ(check(presented("dev1", "0E", "ee"), "dev1"), Reason::kCertificateExpired);
  const PresentedCertificate certificate = presented("dev1", "0A", "aa");
  EXPECT_EQ(check_connect(&certificate, true, "dev1", *registry_, {}, kNow - 1000).decision.reason,
            Reason::kCertificateNotYetValid);
}

TEST_F(ConnectCheckTest, UnknownAndDisabledDevicesAreRefused) {
  EXPECT_EQ(check(presented("ghost", "0A", "aa"), "ghost"), Reason::kUnknownDevice);
  EXPECT_EQ(check(presented("off", "0C", "cc"), "off"), Reason::kDeviceDisabled);
}

TEST_F(ConnectCheckTest, ClientIdRules) {
  const PresentedCertificate certificate = presented("dev1", "0A", "aa");
  const ConnectPolicy exact{IdentitySource::kCommonName, ClientIdRule::kExact};
  const ConnectPolicy prefix{IdentitySource::kCommonName, ClientIdRule::kPrefix};
  const ConnectPolicy any{IdentitySource::kCommonName, ClientIdRule::kAny};
  EXPECT_EQ(check(certificate, "dev1", exact), Reason::kAllowed);
  EXPECT_EQ(check(certificate, "dev2", exact), Reason::kClientIdMismatch);
  EXPECT_EQ(check(certificate, "dev1-a", exact), Reason::kClientIdMismatch);
  EXPECT_EQ(check(certificate, "dev1-a", prefix), Reason::kAllowed);
  EXPECT_EQ(check(certificate, "dev1-", prefix), Reason::kClientIdMismatch);
  EXPECT_EQ(check(certificate, "dev1", prefix), Reason::kClientIdMismatch);
  EXPECT_EQ(check(certificate, "dev10", prefix), Reason::kClientIdMismatch);
  EXPECT_EQ(check(certificate, "whatever", any), Reason::kAllowed);
  for (const std::string& id :
       std::vector<std::string>{"dev1-+", "a#", "a/b", std::string("a\0b", 3), std::string()}) {
    SCOPED_TRACE(printable(id));
    EXPECT_EQ(check(certificate, id, any), Reason::kClientIdInvalid);
    EXPECT_EQ(check(certificate, id, prefix), Reason::kClientIdInvalid);
  }
}

TEST_F(ConnectCheckTest, SubjectAltNameIdentities) {
  PresentedCertificate certificate = presented("ignored", "0F", "ff");
  certificate.san_uri = {"spiffe://fleet/uri-dev"};
  certificate.san_dns = {"uri-dev.fleet.example"};
  const ConnectPolicy by_uri{IdentitySource::kSanUri, ClientIdRule::kExact};
  const ConnectPolicy by_dns{IdentitySource::kSanDns, ClientIdRule::kExact};
  EXPECT_EQ(check(certificate, "uri-dev", by_uri), Reason::kAllowed);
  EXPECT_EQ(check(certificate, "uri-dev", by_dns), Reason::kAllowed);

  PresentedCertificate two = certificate;
  two.san_uri.push_back("spiffe://fleet/dev1");
  EXPECT_EQ(check(two, "uri-dev", by_uri), Reason::kIdentityAmbiguous);
  PresentedCertificate unknown = certificate;
  unknown.san_dns = {"nobody.example"};
  EXPECT_EQ(check(unknown, "uri-dev", by_dns), Reason::kUnknownDevice);
  PresentedCertificate nul = certificate;
  nul.san_uri = {std::string("spiffe://fleet/uri-dev\0x", 24)};
  EXPECT_EQ(check(nul, "uri-dev", by_uri), Reason::kIdentityInvalid);
}

TEST_F(ConnectCheckTest, RecheckFollowsTheRegistry) {
  EXPECT_TRUE(recheck_registration("dev1", "0A", *registry_, kNow).allowed());
  EXPECT_EQ(recheck_registration("dev1", "0D", *registry_, kNow).reason,
            Reason::kCertificateRevoked);
  EXPECT_EQ(recheck_registration("off", "0C", *registry_, kNow).reason, Reason::kDeviceDisabled);
  EXPECT_EQ(recheck_registration("dev1", "77", *registry_, kNow).reason,
            Reason::kUnknownCertificate);
}

// Issue 12: each role's own client-id rule, and a prefix client id never reaches into the ids
// of another registered device (a device `a` must not take `a-b-1` and so kick device `a-b`).
class ClientIdOwnershipTest : public ::testing::Test {
 protected:
  ClientIdOwnershipTest() {
    RegistryContents contents;
    contents.change_counter = 3;
    for (const char* name : {"a", "a-b", "gw", "s"}) {
      Device d = device(name);
      d.role = std::string(name) == "s" ? "sensor" : "gateway";
      contents.devices.push_back(d);
      contents.device_certificates.push_back(record(serial_for(name), name, name));
    }
    // A removed device: its certificate stays as history, its row is gone.
    contents.device_certificates.push_back(record(serial_for("gone"), "gone", "gone"));
    contents.roles = {Role{"gateway", RoleClientIdRule::kPrefix},
                      Role{"sensor", RoleClientIdRule::kExact}};
    registry_ = RegistrySnapshot::build(std::move(contents), kNow);
  }

  // Device `name` presenting its own certificate with `client_id`.
  Reason as(const std::string& name, std::string_view client_id, ClientIdRule broker_wide) {
    const PresentedCertificate certificate = presented(name, serial_for(name), name);
    const ConnectPolicy policy{IdentitySource::kCommonName, broker_wide};
    return check_connect(&certificate, true, client_id, *registry_, policy, kNow).decision.reason;
  }
  Reason as(const std::string& name, std::string_view client_id) {
    return as(name, client_id, ClientIdRule::kExact);
  }

  std::shared_ptr<const RegistrySnapshot> registry_;
};

TEST_F(ClientIdOwnershipTest, AnIdBelongsToTheLongestRegisteredNameBeforeADash) {
  const auto owner = [&](std::string_view id) -> std::string {
    const RegisteredDevice* found = client_id_owner(id, *registry_);
    return found ? found->name() : "-";
  };
  EXPECT_EQ(owner("a"), "a");
  EXPECT_EQ(owner("a-1"), "a");
  EXPECT_EQ(owner("a-bc"), "a");
  EXPECT_EQ(owner("a-b"), "a-b");
  EXPECT_EQ(owner("a-b-1"), "a-b");
  EXPECT_EQ(owner("a-b-c-d"), "a-b");
  EXPECT_EQ(owner("gw-pub"), "gw");
  EXPECT_EQ(owner("gwx"), "-");
  EXPECT_EQ(owner("-a"), "-");
  EXPECT_EQ(owner("operator-1"), "-");
  EXPECT_EQ(owner(""), "-");
}

TEST_F(ClientIdOwnershipTest, PrefixRoleHoldsSeveralConnectionsOtherRolesStayExact) {
  EXPECT_EQ(as("gw", "gw-pub"), Reason::kAllowed);
  EXPECT_EQ(as("gw", "gw-sub"), Reason::kAllowed);
  EXPECT_EQ(as("gw", "gw"), Reason::kClientIdMismatch);  // prefix means <device>-<suffix>
  EXPECT_EQ(as("gw", "gw-"), Reason::kClientIdMismatch);
  EXPECT_EQ(as("gw", "gwx-1"), Reason::kClientIdMismatch);
  EXPECT_EQ(as("gw", "gw-+"), Reason::kClientIdInvalid);
  EXPECT_EQ(as("s", "s"), Reason::kAllowed);
  EXPECT_EQ(as("s", "s-1"), Reason::kClientIdMismatch);
}

TEST_F(ClientIdOwnershipTest, PrefixNeverReachesIntoAnotherDevicesIds) {
  EXPECT_EQ(as("a", "a-1"), Reason::kAllowed);
  EXPECT_EQ(as("a", "a-bc"), Reason::kAllowed);
  EXPECT_EQ(as("a", "a-b"), Reason::kClientIdMismatch);
  EXPECT_EQ(as("a", "a-b-1"), Reason::kClientIdMismatch);
  EXPECT_EQ(as("a", "a-b-c"), Reason::kClientIdMismatch);
  EXPECT_EQ(as("a-b", "a-b-1"), Reason::kAllowed);
  EXPECT_EQ(as("a-b", "a-1"), Reason::kClientIdMismatch);
}

TEST_F(ClientIdOwnershipTest, BrokerWideRuleAppliesToEveryRoleUnlessExact) {
  EXPECT_EQ(as("s", "s-1", ClientIdRule::kPrefix), Reason::kAllowed);
  EXPECT_EQ(as("s", "s", ClientIdRule::kPrefix), Reason::kClientIdMismatch);
  EXPECT_EQ(as("a", "a-b-1", ClientIdRule::kPrefix), Reason::kClientIdMismatch);
  // `any`: every id but another device's.
  EXPECT_EQ(as("s", "dashboard", ClientIdRule::kAny), Reason::kAllowed);
  EXPECT_EQ(as("s", "s-9", ClientIdRule::kAny), Reason::kAllowed);
  EXPECT_EQ(as("s", "gw", ClientIdRule::kAny), Reason::kClientIdMismatch);
  EXPECT_EQ(as("s", "gw-pub", ClientIdRule::kAny), Reason::kClientIdMismatch);
  EXPECT_EQ(as("a", "a-b-1", ClientIdRule::kAny), Reason::kClientIdMismatch);
  EXPECT_EQ(effective_client_id_rule({}, *registry_, "gateway"), ClientIdRule::kPrefix);
  EXPECT_EQ(effective_client_id_rule({}, *registry_, "sensor"), ClientIdRule::kExact);
  EXPECT_EQ(effective_client_id_rule({}, *registry_, "no-such-role"), ClientIdRule::kExact);
}

TEST_F(ClientIdOwnershipTest, DeferredClientsMustStayOutOfTheDevicesNames) {
  EXPECT_EQ(deferred_client_verdict("operator-1", "ops", *registry_), Reason::kAllowed);
  EXPECT_EQ(deferred_client_verdict("operator-1", "", *registry_), Reason::kAllowed);
  EXPECT_EQ(deferred_client_verdict("gw-pub", "ops", *registry_), Reason::kDeviceNamespace);
  EXPECT_EQ(deferred_client_verdict("s", "ops", *registry_), Reason::kDeviceNamespace);
  EXPECT_EQ(deferred_client_verdict("operator-1", "a-b", *registry_), Reason::kDeviceNamespace);
  EXPECT_EQ(deferred_client_verdict("operator-1", "gone", *registry_), Reason::kDeviceNamespace);
  EXPECT_EQ(deferred_client_verdict("gone", "ops", *registry_), Reason::kAllowed);
}

TEST(PrintableTest, EscapesControlBytesAndQuotes) {
  EXPECT_EQ(printable(std::string("a\0b'\n", 5)), "a\\x00b\\x27\\x0A");
  EXPECT_EQ(printable("plain"), "plain");
}

}  // namespace
}  // namespace certacl::policy

namespace certacl::policy {
namespace {

// Names an older build stored before the rule refused them: the snapshot still builds and
// the plugin refuses them with a reason instead of substituting them into %u.
TEST(LegacyStoredNames, AreRefusedWithAReasonNotCrashedOn) {
  const std::vector<std::string> legacy = {"$SYS",
                                           "%u",
                                           "50%",
                                           "a\xE2\x80\xAE"
                                           "b",
                                           "a\xE2\x80\x8B",
                                           "a\xC2\x85",
                                           "bad\xFF"};
  RegistryContents contents;
  contents.change_counter = 1;
  contents.rules = {RoleRule{"sensor", RuleEffect::kAllow, RuleAction::kPublish, "%u/#"}};
  for (std::size_t i = 0; i < legacy.size(); ++i) {
    contents.devices.push_back(device(legacy[i]));
    contents.device_certificates.push_back(
        record(std::to_string(10 + i), legacy[i], "h" + std::to_string(i)));
  }
  const auto registry = RegistrySnapshot::build(std::move(contents), kNow);
  for (std::size_t i = 0; i < legacy.size(); ++i) {
    SCOPED_TRACE(printable(legacy[i]));
    const PresentedCertificate certificate =
        presented(legacy[i], std::to_string(10 + i), "h" + std::to_string(i));
    EXPECT_EQ(check_connect(&certificate, true, legacy[i], *registry, {}, kNow).decision.reason,
              Reason::kIdentityInvalid);
  }
}

}  // namespace
}  // namespace certacl::policy
