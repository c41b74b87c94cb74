// The session table alone: admit, check (with and without a session), adopt, expire, the
// dry-run mapping and the log lines it asks for. No broker: client keys are plain addresses.
#include "session_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "session_test_certificates.h"

namespace certacl::policy {
namespace {

constexpr std::int64_t kNow = kTestNow;
std::int64_t g_clock = kNow;
std::int64_t test_clock() {
  return g_clock;
}

RoleRule rule(RuleEffect effect, RuleAction action, std::string pattern) {
  return RoleRule{"sensor", effect, action, std::move(pattern)};
}

// A registry of devices dev1..devN of role "sensor"; tests edit the contents.
struct Fleet {
  RegistryContents contents;
  Fleet() {
    contents.change_counter = 1;
    for (const char* name : {"dev1", "dev2", "lg' role='admin' serial=0"}) {
      Device device;
      device.name = name;
      device.role = "sensor";
      device.enabled = true;
      contents.devices.push_back(device);
    }
    contents.device_certificates = {test_certificate_record("0A", "dev1"),
                                    test_certificate_record("0B", "dev2"),
                                    test_certificate_record("0C", "lg' role='admin' serial=0")};
    contents.rules = {rule(RuleEffect::kAllow, RuleAction::kPublish, "fleet/%u/#"),
                      rule(RuleEffect::kAllow, RuleAction::kSubscribe, "cmd/%u/#"),
                      rule(RuleEffect::kAllow, RuleAction::kSubscribe, "broadcast/#")};
  }
  std::shared_ptr<const RegistrySnapshot> snapshot() {
    ++contents.change_counter;
    return RegistrySnapshot::build(contents, kNow);
  }
  CertificateRecord& certificate(const std::string& serial) {
    return *std::find_if(contents.device_certificates.begin(), contents.device_certificates.end(),
                         [&](const CertificateRecord& c) { return c.serial == serial; });
  }
  Device& device(const std::string& name) {
    return *std::find_if(contents.devices.begin(), contents.devices.end(),
                         [&](const Device& d) { return d.name == name; });
  }
};

bool allowed(SessionTable& table, const SessionlessRequest& request, Check check,
             std::string_view topic) {
  return table.check_sessionless(request, check, topic) == Answer::kAllow;
}

class SessionTableTest : public ::testing::Test {
 protected:
  void SetUp() override { g_clock = kNow; }

  SessionTable make(bool dry_run = false, LogLevel level = LogLevel::kDebug,
                    OtherListeners other_listeners = OtherListeners::kRefuse) {
    SessionTableOptions options;
    options.connect.other_listeners = other_listeners;
    options.dry_run = dry_run;
    options.log_level = level;
    options.clock = test_clock;
    return SessionTable(options, fleet.snapshot());
  }

  AdmitResult connect(SessionTable& table, ClientKey client, const std::string& cn,
                      const std::string& serial, const std::string& client_id) {
    const PresentedCertificate certificate = test_presented_certificate(cn, serial);
    AdmitRequest request;
    request.client = client;
    request.certificate = &certificate;
    request.certificate_present = true;
    request.client_id = client_id;
    request.now = g_clock;
    return table.admit(request);
  }

  static std::vector<std::string> lines(SessionTable& table, LogLevel at_least = LogLevel::kTrace) {
    std::vector<std::string> out;
    for (LogEvent& event : table.take_effects().lines) {
      if (event.level >= at_least) out.push_back(std::move(event.line));
    }
    return out;
  }

  static bool any_line_has(const std::vector<std::string>& lines, const std::string& text) {
    return std::any_of(lines.begin(), lines.end(), [&](const std::string& line) {
      return line.find(text) != std::string::npos;
    });
  }

  // A client that presented no certificate (a password listener).
  AdmitResult connect_without_certificate(SessionTable& table, ClientKey client,
                                          const std::string& client_id,
                                          const std::string& username) {
    AdmitRequest request;
    request.client = client;
    request.client_id = client_id;
    request.username = username;
    request.now = g_clock;
    return table.admit(request);
  }

  SessionlessRequest offline(const std::string& username, const std::string& client_id) {
    owned_username = username;
    owned_client_id = client_id;
    SessionlessRequest request;
    request.client = &offline_client;
    request.username = owned_username;
    request.client_id = owned_client_id;
    request.now = g_clock;
    return request;
  }

  Fleet fleet;
  int client_a = 0;
  int client_b = 0;
  int offline_client = 0;
  std::string owned_username;
  std::string owned_client_id;
};

TEST_F(SessionTableTest, AdmittedSessionIsNamedAfterTheDeviceAndChecked) {
  SessionTable table = make();
  const AdmitResult result = connect(table, &client_a, "dev1", "0A", "dev1");
  EXPECT_TRUE(result.accept);
  EXPECT_EQ(result.username, "dev1");
  EXPECT_EQ(table.check(&client_a, Check::kPublish, "fleet/dev1/t"), Answer::kAllow);
  EXPECT_EQ(table.check(&client_a, Check::kPublish, "fleet/dev2/t"), Answer::kDeny);
  EXPECT_EQ(table.check(&client_b, Check::kPublish, "fleet/dev1/t"), Answer::kNoSession);
  EXPECT_EQ(table.counters().get(Check::kPublish, Reason::kNoMatchingRule), 1u);
}

TEST_F(SessionTableTest, RefusedConnectLeavesNoSession) {
  fleet.certificate("0A").revoked_at = kNow - 1;
  SessionTable table = make();
  const AdmitResult result = connect(table, &client_a, "dev1", "0A", "dev1");
  EXPECT_FALSE(result.accept);
  EXPECT_EQ(table.check(&client_a, Check::kPublish, "fleet/dev1/t"), Answer::kNoSession);
  EXPECT_TRUE(any_line_has(lines(table),
                           "DENY connect device='dev1' serial=0A client_id='dev1' "
                           "reason=certificate revoked"));
}

// The "no window after revoke" half that lives here: a fresher registry decides.
TEST_F(SessionTableTest, FresherRegistryReadAtConnectOverridesTheSnapshot) {
  SessionTable table = make();
  Fleet later = fleet;
  later.certificate("0A").revoked_at = kNow - 1;
  const PresentedCertificate certificate = test_presented_certificate("dev1", "0A");
  AdmitRequest request;
  request.client = &client_a;
  request.certificate = &certificate;
  request.certificate_present = true;
  request.client_id = "dev1";
  request.fresher = later.snapshot();
  request.now = kNow;
  EXPECT_FALSE(table.admit(request).accept);
}

// A fresh read never admits what the snapshot refuses (a replaced database file must not
// let anyone in).
TEST_F(SessionTableTest, FresherRegistryCannotAdmitWhatTheSnapshotRefuses) {
  fleet.certificate("0A").revoked_at = kNow - 1;
  SessionTable table = make();
  Fleet forged = fleet;
  forged.certificate("0A").revoked_at.reset();
  const PresentedCertificate certificate = test_presented_certificate("dev1", "0A");
  AdmitRequest request;
  request.client = &client_a;
  request.certificate = &certificate;
  request.certificate_present = true;
  request.client_id = "dev1";
  request.fresher = forged.snapshot();
  request.now = kNow;
  EXPECT_FALSE(table.admit(request).accept);
}

TEST_F(SessionTableTest, AdoptingARevocationKicksAndRefusesAtOnce) {
  SessionTable table = make();
  ASSERT_TRUE(connect(table, &client_a, "dev1", "0A", "dev1").accept);
  ASSERT_TRUE(connect(table, &client_b, "dev2", "0B", "dev2").accept);
  (void)table.take_effects();
  fleet.certificate("0A").revoked_at = kNow;
  table.adopt(fleet.snapshot(), kNow);
  const Effects effects = table.take_effects();
  ASSERT_EQ(effects.kicks.size(), 1u);
  EXPECT_EQ(effects.kicks[0].client_id, "dev1");
  EXPECT_EQ(effects.kicks[0].client, &client_a);
  // Until mosquitto reports the disconnect, everything the client does is refused, and its
  // own packets end the connection at once.
  EXPECT_EQ(table.check(&client_a, Check::kPublish, "fleet/dev1/t"), Answer::kDisconnect);
  EXPECT_EQ(table.check(&client_a, Check::kRead, "cmd/dev1/t"), Answer::kDeny);
  EXPECT_EQ(table.check(&client_b, Check::kPublish, "fleet/dev2/t"), Answer::kAllow);
  EXPECT_EQ(table.counters().denied(Check::kKick), 1u);
}

TEST_F(SessionTableTest, NarrowedDeliveryRulesKickSoQueuedMessagesAreRechecked) {
  SessionTable table = make();
  ASSERT_TRUE(connect(table, &client_a, "dev1", "0A", "dev1").accept);
  (void)table.take_effects();
  fleet.contents.rules.push_back(
      rule(RuleEffect::kDeny, RuleAction::kSubscribe, "broadcast/private/#"));
  table.adopt(fleet.snapshot(), kNow);
  const Effects effects = table.take_effects();
  ASSERT_EQ(effects.kicks.size(), 1u);
  EXPECT_EQ(table.counters().get(Check::kKick, Reason::kRulesNarrowed), 1u);
  EXPECT_EQ(table.check(&client_a, Check::kRead, "broadcast/news"), Answer::kDeny);
  EXPECT_EQ(table.check(&client_a, Check::kSubscribe, "broadcast/#"), Answer::kDisconnect);
}

TEST_F(SessionTableTest, WidenedOrPublishOnlyChangesRecompileInPlace) {
  SessionTable table = make();
  ASSERT_TRUE(connect(table, &client_a, "dev1", "0A", "dev1").accept);
  (void)table.take_effects();
  fleet.contents.rules.push_back(rule(RuleEffect::kDeny, RuleAction::kPublish, "fleet/%u/valve"));
  fleet.contents.rules.push_back(rule(RuleEffect::kAllow, RuleAction::kSubscribe, "news/#"));
  table.adopt(fleet.snapshot(), kNow);
  const Effects effects = table.take_effects();
  EXPECT_TRUE(effects.kicks.empty());
  EXPECT_EQ(table.check(&client_a, Check::kPublish, "fleet/dev1/valve"), Answer::kDeny);
  EXPECT_EQ(table.check(&client_a, Check::kRead, "news/today"), Answer::kAllow);
}

TEST_F(SessionTableTest, ExpiredCertificateIsKickedOnce) {
  SessionTable table = make();
  ASSERT_TRUE(connect(table, &client_a, "dev1", "0A", "dev1").accept);
  (void)table.take_effects();
  table.expire(kNow + 101);
  EXPECT_EQ(table.take_effects().kicks.size(), 1u);
  table.expire(kNow + 102);
  EXPECT_TRUE(table.take_effects().kicks.empty());
}

// Issue 8: under dry_run an expired session was re-queued every second forever.
TEST_F(SessionTableTest, DryRunReportsAnExpiryOnceAndNeverLoops) {
  SessionTable table = make(/*dry_run=*/true);
  ASSERT_TRUE(connect(table, &client_a, "dev1", "0A", "dev1").accept);
  (void)table.take_effects();
  std::size_t kick_lines = 0;
  for (std::int64_t second = 101; second < 111; ++second) {
    table.expire(kNow + second);
    const Effects effects = table.take_effects();
    EXPECT_TRUE(effects.kicks.empty()) << "dry_run never kicks";
    for (const LogEvent& event : effects.lines) {
      if (event.line.find("DRY-RUN would kick") != std::string::npos) ++kick_lines;
    }
  }
  EXPECT_EQ(kick_lines, 1u);
  EXPECT_EQ(table.counters().get_would_deny(Check::kKick, Reason::kCertificateExpired), 1u);
  EXPECT_EQ(table.counters().denied(Check::kKick), 0u);
}

// Issue 8: after a would-deny connect every later check only said "no authenticated
// session", hiding the decision that would have been taken.
TEST_F(SessionTableTest, DryRunReportsTheRealDecisionAfterAWouldDenyConnect) {
  fleet.certificate("0A").revoked_at = kNow - 1;
  SessionTable table = make(/*dry_run=*/true);
  const AdmitResult result = connect(table, &client_a, "dev1", "0A", "dev1");
  EXPECT_TRUE(result.accept);
  EXPECT_EQ(result.username, "dev1");
  (void)table.take_effects();
  EXPECT_EQ(table.check(&client_a, Check::kPublish, "fleet/dev1/t"), Answer::kAllow);
  const std::vector<std::string> logged = lines(table);
  EXPECT_TRUE(any_line_has(logged,
                           "DRY-RUN would DENY publish device='dev1' client_id='dev1' "
                           "topic='fleet/dev1/t' reason=certificate revoked"));
  EXPECT_FALSE(any_line_has(logged, "no authenticated session"));
  EXPECT_EQ(table.counters().get_would_deny(Check::kConnect, Reason::kCertificateRevoked), 1u);
  EXPECT_EQ(table.counters().get_would_deny(Check::kPublish, Reason::kCertificateRevoked), 1u);
  EXPECT_EQ(table.counters().denied(Check::kPublish), 0u);
}

TEST_F(SessionTableTest, DryRunReportsRuleDenialsAndCountsThemApart) {
  SessionTable table = make(/*dry_run=*/true);
  ASSERT_TRUE(connect(table, &client_a, "dev1", "0A", "dev1").accept);
  (void)table.take_effects();
  EXPECT_EQ(table.check(&client_a, Check::kPublish, "fleet/dev2/t"), Answer::kAllow);
  EXPECT_TRUE(any_line_has(lines(table), "DRY-RUN would DENY publish device='dev1'"));
  EXPECT_EQ(table.counters().would_deny(Check::kPublish), 1u);
  EXPECT_EQ(table.counters().denied(Check::kPublish), 0u);
}

TEST_F(SessionTableTest, SessionlessChecksAreDecidedFromTheRegistryByUsername) {
  SessionTable table = make();
  // A will or a queued message of an offline device in good standing, allowed by its rules.
  EXPECT_TRUE(allowed(table, offline("dev1", "dev1"), Check::kPublish, "fleet/dev1/lwt"));
  EXPECT_TRUE(allowed(table, offline("dev1", "dev1"), Check::kRead, "cmd/dev1/open"));
  // Its rules still apply.
  EXPECT_FALSE(allowed(table, offline("dev1", "dev1"), Check::kPublish, "fleet/dev2/x"));
  EXPECT_FALSE(allowed(table, offline("dev1", "dev1"), Check::kRead, "cmd/dev2/open"));
  // Unknown usernames, or none, are refused.
  EXPECT_FALSE(allowed(table, offline("ghost", "ghost"), Check::kRead, "broadcast/x"));
  EXPECT_FALSE(allowed(table, offline("", "dev1"), Check::kRead, "broadcast/x"));
}

TEST_F(SessionTableTest, SessionlessChecksRefuseRevokedDisabledAndExpiredDevices) {
  fleet.certificate("0A").revoked_at = kNow - 1;
  fleet.device("dev2").enabled = false;
  SessionTable table = make();
  EXPECT_FALSE(allowed(table, offline("dev1", "dev1"), Check::kPublish, "fleet/dev1/lwt"));
  EXPECT_FALSE(allowed(table, offline("dev2", "dev2"), Check::kPublish, "fleet/dev2/lwt"));
  EXPECT_EQ(table.counters().get(Check::kPublish, Reason::kNoValidCertificate), 1u);
  EXPECT_EQ(table.counters().get(Check::kPublish, Reason::kDeviceDisabled), 1u);
  // A valid second certificate restores the standing.
  fleet.contents.device_certificates.push_back(test_certificate_record("0D", "dev1"));
  table.adopt(fleet.snapshot(), kNow);
  EXPECT_TRUE(allowed(table, offline("dev1", "dev1"), Check::kPublish, "fleet/dev1/lwt"));
  // Expired everywhere.
  g_clock = kNow + 1000;
  EXPECT_FALSE(allowed(table, offline("dev1", "dev1"), Check::kPublish, "fleet/dev1/lwt"));
}

TEST_F(SessionTableTest, LiveClientThatSkippedAdmitIsRefusedAndKicked) {
  SessionTable table = make();
  SessionlessRequest request = offline("dev1", "dev1");
  request.client = &client_a;
  request.live_connection = true;
  EXPECT_EQ(table.check_sessionless(request, Check::kPublish, "fleet/dev1/t"), Answer::kDisconnect);
  const Effects effects = table.take_effects();
  ASSERT_EQ(effects.kicks.size(), 1u);
  EXPECT_EQ(effects.kicks[0].client_id, "dev1");
  EXPECT_EQ(table.counters().get(Check::kKick, Reason::kNotAuthenticated), 1u);
  // Kicked once; later checks are refused through the session it now has.
  EXPECT_EQ(table.check(&client_a, Check::kRead, "cmd/dev1/x"), Answer::kDeny);
  EXPECT_EQ(table.check(&client_a, Check::kSubscribe, "cmd/dev1/x"), Answer::kDisconnect);
  EXPECT_TRUE(table.take_effects().kicks.empty());
}

// Issue 8: a device named like a log field could write a line that reads as another role.
TEST_F(SessionTableTest, DeviceNamesAreEscapedInEveryLine) {
  const std::string forged = "lg' role='admin' serial=0";
  SessionTable table = make();
  ASSERT_TRUE(connect(table, &client_a, forged, "0C", forged).accept);
  (void)table.check(&client_a, Check::kPublish, "other/topic");
  fleet.contents.rules.push_back(rule(RuleEffect::kAllow, RuleAction::kPublish, "x/#"));
  table.adopt(fleet.snapshot(), kNow);
  fleet.certificate("0C").revoked_at = kNow;
  table.adopt(fleet.snapshot(), kNow);
  (void)allowed(table, offline(forged, forged), Check::kRead, "nope");
  const std::vector<std::string> logged = lines(table);
  EXPECT_TRUE(any_line_has(logged, "ALLOW connect"));
  EXPECT_TRUE(any_line_has(logged, "DENY publish"));
  EXPECT_TRUE(any_line_has(logged, "recompiled ACL"));
  EXPECT_TRUE(any_line_has(logged, "kick device="));
  for (const std::string& line : logged) {
    EXPECT_EQ(line.find("role='admin'"), std::string::npos) << line;
  }
  EXPECT_TRUE(any_line_has(logged, "device='lg\\x27 role=\\x27admin\\x27 serial=0'"));
}

TEST_F(SessionTableTest, PerMessageDenialsAreRateLimitedPerSessionAndReason) {
  SessionTable table = make(false, LogLevel::kInfo);
  ASSERT_TRUE(connect(table, &client_a, "dev1", "0A", "dev1").accept);
  (void)table.take_effects();
  for (int i = 0; i < 50; ++i) (void)table.check(&client_a, Check::kRead, "fleet/dev2/t");
  EXPECT_EQ(lines(table).size(), 1u) << "one info line, the rest at debug";
  EXPECT_EQ(table.counters().get(Check::kRead, Reason::kNoMatchingRule), 50u);
  // Another reason is its own stream.
  (void)table.check(&client_a, Check::kPublish, "fleet/dev2/t");
  EXPECT_EQ(lines(table).size(), 1u);
  // After the interval the next one is logged again with the number held back.
  g_clock = kNow + 11;
  (void)table.check(&client_a, Check::kRead, "fleet/dev2/t");
  const std::vector<std::string> logged = lines(table);
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_NE(logged[0].find("49 like it"), std::string::npos) << logged[0];
}

TEST_F(SessionTableTest, NothingBelowTheLogLevelIsFormatted) {
  SessionTable table = make(false, LogLevel::kError);
  ASSERT_TRUE(connect(table, &client_a, "dev1", "0A", "dev1").accept);
  (void)table.check(&client_a, Check::kRead, "fleet/dev2/t");
  EXPECT_TRUE(lines(table).empty());
}

TEST_F(SessionTableTest, EndedSessionFallsBackToTheRegistry) {
  SessionTable table = make();
  ASSERT_TRUE(connect(table, &client_a, "dev1", "0A", "dev1").accept);
  table.end(&client_a);
  EXPECT_EQ(table.check(&client_a, Check::kPublish, "fleet/dev1/t"), Answer::kNoSession);
  EXPECT_EQ(table.size(), 0u);
}

}  // namespace
}  // namespace certacl::policy

namespace certacl::policy {
namespace {

TEST(ShadowRulesTest, ParsesRulesAndNamesTheBadLine) {
  auto parsed = ShadowRules::parse(
      "# candidate for the sensor role\n"
      "sensor allow publish fleet/%u/#\n"
      "\n"
      "sensor deny subscribe broadcast/private/#\n");
  ASSERT_TRUE(std::holds_alternative<std::shared_ptr<const ShadowRules>>(parsed));
  const auto& rules = *std::get<std::shared_ptr<const ShadowRules>>(parsed);
  EXPECT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules.rules_for_role("sensor").size(), 2u);
  EXPECT_TRUE(rules.rules_for_role("hq").empty());

  const auto bad = ShadowRules::parse("sensor allow publish a/#\nsensor permit publish a\n");
  ASSERT_TRUE(std::holds_alternative<std::string>(bad));
  EXPECT_NE(std::get<std::string>(bad).find("line 2"), std::string::npos);
  EXPECT_TRUE(std::holds_alternative<std::string>(ShadowRules::parse("sensor allow read a\n")));
  EXPECT_TRUE(
      std::holds_alternative<std::string>(ShadowRules::parse("sensor allow publish a/#/b\n")));
  EXPECT_TRUE(std::holds_alternative<std::string>(ShadowRules::parse("sensor allow publish\n")));
}

TEST_F(SessionTableTest, ShadowRulesAreCountedBesideAndNeverEnforced) {
  auto parsed = ShadowRules::parse("sensor allow publish fleet/%u/telemetry\n");
  SessionTableOptions options;
  options.log_level = LogLevel::kDebug;
  options.clock = test_clock;
  options.shadow = std::get<std::shared_ptr<const ShadowRules>>(parsed);
  SessionTable table(options, fleet.snapshot());
  ASSERT_TRUE(connect(table, &client_a, "dev1", "0A", "dev1").accept);
  (void)table.take_effects();
  // Enforced rules allow fleet/dev1/#; the candidate only fleet/dev1/telemetry.
  EXPECT_EQ(table.check(&client_a, Check::kPublish, "fleet/dev1/telemetry"), Answer::kAllow);
  EXPECT_EQ(table.check(&client_a, Check::kPublish, "fleet/dev1/valve"), Answer::kAllow);
  EXPECT_EQ(table.shadow_counters().allowed(Check::kPublish), 1u);
  EXPECT_EQ(table.shadow_counters().denied(Check::kPublish), 1u);
  EXPECT_EQ(table.shadow_disagreements(Check::kPublish), 1u);
  EXPECT_TRUE(any_line_has(lines(table),
                           "SHADOW would DENY publish device='dev1' client_id='dev1' "
                           "topic='fleet/dev1/valve' reason=no rule allows it"));
  EXPECT_EQ(table.counters().denied(Check::kPublish), 0u);
}

}  // namespace
}  // namespace certacl::policy

namespace certacl::policy {
namespace {

// ---- issue 12: per-role client ids, re-checked when the registry changes ----------------

TEST_F(SessionTableTest, RoleLosingPrefixKicksItsPrefixSessions) {
  fleet.contents.roles = {Role{"sensor", RoleClientIdRule::kPrefix}};
  SessionTable table = make();
  ASSERT_TRUE(connect(table, &client_a, "dev1", "0A", "dev1-pub").accept);
  ASSERT_TRUE(connect(table, &client_b, "dev1", "0A", "dev1-sub").accept);
  EXPECT_EQ(table.check(&client_a, Check::kPublish, "fleet/dev1/t"), Answer::kAllow);
  EXPECT_EQ(table.check(&client_b, Check::kSubscribe, "cmd/dev1/#"), Answer::kAllow);
  (void)table.take_effects();
  fleet.contents.roles = {Role{"sensor", RoleClientIdRule::kExact}};
  table.adopt(fleet.snapshot(), kNow);
  EXPECT_EQ(table.take_effects().kicks.size(), 2u);
  EXPECT_EQ(table.counters().get(Check::kKick, Reason::kClientIdMismatch), 2u);
  EXPECT_EQ(table.check(&client_a, Check::kPublish, "fleet/dev1/t"), Answer::kDisconnect);
}

TEST_F(SessionTableTest, DeviceRegisteredLaterTakesItsClientIdsBack) {
  fleet.contents.roles = {Role{"sensor", RoleClientIdRule::kPrefix}};
  SessionTable table = make();
  // No device "dev1-b" yet: "dev1-b-1" is dev1's.
  ASSERT_TRUE(connect(table, &client_a, "dev1", "0A", "dev1-b-1").accept);
  ASSERT_TRUE(connect(table, &client_b, "dev1", "0A", "dev1-c").accept);
  (void)table.take_effects();
  Device later;
  later.name = "dev1-b";
  later.role = "sensor";
  later.enabled = true;
  fleet.contents.devices.push_back(later);
  table.adopt(fleet.snapshot(), kNow);
  const Effects effects = table.take_effects();
  ASSERT_EQ(effects.kicks.size(), 1u);
  EXPECT_EQ(effects.kicks[0].client_id, "dev1-b-1");
  EXPECT_EQ(table.check(&client_b, Check::kPublish, "fleet/dev1/t"), Answer::kAllow);
  // And a new connect of dev1 with that id is refused.
  EXPECT_FALSE(connect(table, &client_a, "dev1", "0A", "dev1-b-1").accept);
}

// ---- issue 12: clients without a certificate under other_listeners defer ------------------

TEST_F(SessionTableTest, WithoutCertificateRefusedByDefault) {
  SessionTable table = make();
  const AdmitResult result = connect_without_certificate(table, &client_a, "op1", "ops");
  EXPECT_FALSE(result.accept);
  EXPECT_FALSE(result.defer);
  EXPECT_EQ(table.counters().get(Check::kConnect, Reason::kNoCertificate), 1u);
  EXPECT_EQ(table.check_sessionless(offline("ops", "op1"), Check::kRead, "broadcast/x"),
            Answer::kDeny);
}

TEST_F(SessionTableTest, DeferredClientIsLeftToMosquittoForEveryCheck) {
  SessionTable table = make(false, LogLevel::kDebug, OtherListeners::kDefer);
  const AdmitResult result = connect_without_certificate(table, &client_a, "op1", "ops");
  EXPECT_TRUE(result.defer);
  EXPECT_FALSE(result.accept);
  EXPECT_TRUE(result.username.empty());  // mosquitto keeps the username the client sent
  EXPECT_FALSE(table.has_session(&client_a));
  EXPECT_TRUE(any_line_has(lines(table), "DEFER connect client_id='op1' username='ops'"));
  SessionlessRequest live = offline("ops", "op1");
  live.client = &client_a;
  for (const Check check : {Check::kPublish, Check::kSubscribe, Check::kRead}) {
    EXPECT_EQ(table.check_sessionless(live, check, "fleet/dev1/t"), Answer::kDefer);
  }
  // Its will after DISCONNECT, and the source check of its retained message (a bare context).
  table.end(&client_a);
  EXPECT_EQ(table.check_sessionless(live, Check::kPublish, "ops/lwt"), Answer::kDefer);
  EXPECT_EQ(table.check_sessionless(offline("ops", "op1"), Check::kPublish, "ops/r"),
            Answer::kDefer);
  EXPECT_EQ(table.deferred(Check::kConnect), 1u);
  EXPECT_EQ(table.deferred(Check::kPublish), 3u);
  EXPECT_EQ(table.counters().denied(Check::kConnect), 0u);
}

TEST_F(SessionTableTest, CertificateClientsAreDecidedByCertaclUnderDefer) {
  fleet.certificate("0B").revoked_at = kNow - 1;
  SessionTable table = make(false, LogLevel::kDebug, OtherListeners::kDefer);
  EXPECT_TRUE(connect(table, &client_a, "dev1", "0A", "dev1").accept);
  const AdmitResult revoked = connect(table, &client_b, "dev2", "0B", "dev2");
  EXPECT_FALSE(revoked.accept);
  EXPECT_FALSE(revoked.defer);
  // A certificate that cannot be read is a certificate: refused, never deferred.
  AdmitRequest unreadable;
  unreadable.client = &client_b;
  unreadable.certificate_present = true;
  unreadable.client_id = "op1";
  unreadable.now = kNow;
  const AdmitResult malformed = table.admit(unreadable);
  EXPECT_FALSE(malformed.accept);
  EXPECT_FALSE(malformed.defer);
  EXPECT_EQ(table.counters().get(Check::kConnect, Reason::kMalformedCertificate), 1u);
  // A device's own session and its offline checks stay certacl's.
  EXPECT_EQ(table.check(&client_a, Check::kPublish, "fleet/dev2/t"), Answer::kDeny);
  EXPECT_EQ(table.check_sessionless(offline("dev1", "dev1"), Check::kPublish, "fleet/dev2/t"),
            Answer::kDeny);
}

TEST_F(SessionTableTest, DeferredClientNamingADeviceIsRefused) {
  SessionTable table = make(false, LogLevel::kDebug, OtherListeners::kDefer);
  // Same client id as a device: mosquitto would hand it the device's session.
  EXPECT_FALSE(connect_without_certificate(table, &client_a, "dev1", "ops").accept);
  // A device's name as username: its will would be decided as that device.
  EXPECT_FALSE(connect_without_certificate(table, &client_a, "op1", "dev2").accept);
  EXPECT_EQ(table.counters().get(Check::kConnect, Reason::kDeviceNamespace), 2u);
  EXPECT_EQ(table.deferred(Check::kConnect), 0u);
  // Offline contexts named like a device are certacl's, as before.
  EXPECT_EQ(table.check_sessionless(offline("dev2", "op1"), Check::kPublish, "fleet/dev2/t"),
            Answer::kAllow);
}

TEST_F(SessionTableTest, DeferredClientNeverGetsTheRightsOfADeviceRegisteredLater) {
  SessionTable table = make(false, LogLevel::kDebug, OtherListeners::kDefer);
  ASSERT_TRUE(connect_without_certificate(table, &client_a, "op1", "newdev").defer);
  Device later;
  later.name = "newdev";
  later.role = "sensor";
  later.enabled = true;
  fleet.contents.devices.push_back(later);
  fleet.contents.device_certificates.push_back(test_certificate_record("0E", "newdev"));
  table.adopt(fleet.snapshot(), kNow);
  SessionlessRequest live = offline("newdev", "op1");
  live.client = &client_a;
  EXPECT_EQ(table.check_sessionless(live, Check::kPublish, "fleet/newdev/t"), Answer::kDeny);
  EXPECT_EQ(table.counters().get(Check::kPublish, Reason::kDeviceNamespace), 1u);
}

}  // namespace
}  // namespace certacl::policy
