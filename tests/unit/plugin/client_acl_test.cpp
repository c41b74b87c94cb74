// The compiled per-client ACL: one line per case, input and expected decision.
#include "client_acl.h"

#include <gtest/gtest.h>

#include <ostream>
#include <vector>

namespace certacl::policy {
namespace {

RoleRule rule(RuleEffect effect, RuleAction action, std::string pattern) {
  return RoleRule{"sensor", effect, action, std::move(pattern)};
}
RoleRule allow_pub(std::string p) {
  return rule(RuleEffect::kAllow, RuleAction::kPublish, std::move(p));
}
RoleRule deny_pub(std::string p) {
  return rule(RuleEffect::kDeny, RuleAction::kPublish, std::move(p));
}
RoleRule allow_sub(std::string p) {
  return rule(RuleEffect::kAllow, RuleAction::kSubscribe, std::move(p));
}
RoleRule deny_sub(std::string p) {
  return rule(RuleEffect::kDeny, RuleAction::kSubscribe, std::move(p));
}

}  // namespace

// Readable failures: "deny(no rule allows it)" instead of raw bytes.
void PrintTo(const Decision& decision, std::ostream* out) {
  *out << (decision.allowed() ? "allow" : "deny") << "(" << describe(decision.reason) << ")";
}

namespace {

class ClientAclTest : public ::testing::Test {
 protected:
  ClientAcl compile(std::vector<RoleRule> rules, std::string identity = "dev1",
                    std::string client_id = "dev1") {
    rules_ = std::move(rules);
    return ClientAcl::compile(rules_, identity, client_id);
  }
  std::vector<RoleRule> rules_;
};

constexpr Decision kAllow = Decision::allow();
constexpr Decision kByRule = Decision::deny(Reason::kDeniedByRule);
constexpr Decision kNoRule = Decision::deny(Reason::kNoMatchingRule);

TEST_F(ClientAclTest, NoRulesDeniesEverything) {
  const ClientAcl acl = compile({});
  EXPECT_EQ(acl.check_publish("a/b"), kNoRule);
  EXPECT_EQ(acl.check_subscribe("a/b"), kNoRule);
  EXPECT_EQ(acl.check_read("a/b"), kNoRule);
}

TEST_F(ClientAclTest, PublishNeedsAPublishRule) {
  const ClientAcl acl = compile({allow_sub("factory/#")});
  EXPECT_EQ(acl.check_publish("factory/dev1/t"), kNoRule);
  EXPECT_EQ(acl.check_read("factory/dev1/t"), kAllow);
}

TEST_F(ClientAclTest, SubstitutesIdentityAndClientId) {
  const ClientAcl acl =
      compile({allow_pub("fleet/%u/telemetry"), allow_sub("cmd/%c/#")}, "sensor-7", "sensor-7-a");
  EXPECT_EQ(acl.check_publish("fleet/sensor-7/telemetry"), kAllow);
  EXPECT_EQ(acl.check_publish("fleet/sensor-8/telemetry"), kNoRule);
  EXPECT_EQ(acl.check_publish("fleet/%u/telemetry"), kNoRule);
  EXPECT_EQ(acl.check_subscribe("cmd/sensor-7-a/reboot"), kAllow);
  EXPECT_EQ(acl.check_subscribe("cmd/sensor-7/reboot"), kNoRule);
}

TEST_F(ClientAclTest, PlaceholderOnlyReplacesWholeLevels) {
  const ClientAcl acl = compile({allow_pub("x/%u-suffix")}, "dev1", "dev1");
  EXPECT_EQ(acl.check_publish("x/%u-suffix"), kAllow);
  EXPECT_EQ(acl.check_publish("x/dev1-suffix"), kNoRule);
}

TEST_F(ClientAclTest, DenyWinsOverAllow) {
  const ClientAcl acl = compile({allow_pub("factory/#"), deny_pub("factory/secret/#"),
                                 allow_sub("factory/#"), deny_sub("factory/secret/#")});
  EXPECT_EQ(acl.check_publish("factory/line1"), kAllow);
  EXPECT_EQ(acl.check_publish("factory/secret/x"), kByRule);
  EXPECT_EQ(acl.check_subscribe("factory/secret/#"), kByRule);
  EXPECT_EQ(acl.check_read("factory/secret/x"), kByRule);
  EXPECT_EQ(acl.check_read("factory/line1"), kAllow);
}

TEST_F(ClientAclTest, DenyStillFiltersDeliveriesOfAWiderAcceptedSubscription) {
  const ClientAcl acl = compile({allow_sub("factory/#"), deny_sub("factory/secret/#")});
  EXPECT_EQ(acl.check_subscribe("factory/#"), kAllow);  // not contained in the deny
  EXPECT_EQ(acl.check_read("factory/secret/plan"), kByRule);
}

TEST_F(ClientAclTest, SubscribeMustBeContainedInOneAllowedPattern) {
  const ClientAcl acl = compile({allow_sub("factory/dev1/#")});
  EXPECT_EQ(acl.check_subscribe("factory/dev1/#"), kAllow);
  EXPECT_EQ(acl.check_subscribe("factory/dev1/a/+"), kAllow);
  EXPECT_EQ(acl.check_subscribe("factory/dev1"), kAllow);
  EXPECT_EQ(acl.check_subscribe("#"), kNoRule);
  EXPECT_EQ(acl.check_subscribe("+/#"), kNoRule);
  EXPECT_EQ(acl.check_subscribe("factory/+/#"), kNoRule);
  EXPECT_EQ(acl.check_subscribe("factory/#"), kNoRule);
  EXPECT_EQ(acl.check_subscribe("factory/dev2/#"), kNoRule);
}

TEST_F(ClientAclTest, PlusPatternContainsPlusAndLiteralButNotHash) {
  const ClientAcl acl = compile({allow_sub("sensors/+/temp")});
  EXPECT_EQ(acl.check_subscribe("sensors/+/temp"), kAllow);
  EXPECT_EQ(acl.check_subscribe("sensors/a/temp"), kAllow);
  EXPECT_EQ(acl.check_subscribe("sensors/#"), kNoRule);
  EXPECT_EQ(acl.check_subscribe("sensors/+/+"), kNoRule);
}

TEST_F(ClientAclTest, SystemTopicsNeedARuleThatNamesThem) {
  const ClientAcl acl = compile({allow_sub("#"), allow_pub("#")});
  EXPECT_EQ(acl.check_subscribe("$SYS/#"), kNoRule);
  EXPECT_EQ(acl.check_subscribe("$CONTROL/dynamic-security/v1"), kNoRule);
  EXPECT_EQ(acl.check_read("$SYS/broker/uptime"), kNoRule);
  EXPECT_EQ(acl.check_publish("$CONTROL/x"), kNoRule);
  EXPECT_EQ(acl.check_subscribe("a/b"), kAllow);

  const ClientAcl sys = compile({allow_sub("$SYS/broker/#")});
  EXPECT_EQ(sys.check_subscribe("$SYS/broker/uptime"), kAllow);
  EXPECT_EQ(sys.check_read("$SYS/broker/uptime"), kAllow);
  EXPECT_EQ(sys.check_subscribe("$SYS/#"), kNoRule);
}

TEST_F(ClientAclTest, UnsubstitutablePatternIsSkippedAndBadDenyClosesTheAction) {
  // A tampered database may hold patterns the CA would refuse.
  const ClientAcl acl =
      compile({allow_pub("a/#/b"), allow_pub("ok/topic"), allow_sub("s/#"), deny_sub("bad/#/x")});
  EXPECT_EQ(acl.rejected_rule_count(), 2U);
  EXPECT_EQ(acl.check_publish("ok/topic"), kAllow);
  EXPECT_EQ(acl.check_publish("a/x/b"), kNoRule);
  EXPECT_EQ(acl.check_subscribe("s/1"), kByRule);
  EXPECT_EQ(acl.check_read("s/1"), kByRule);
}

TEST_F(ClientAclTest, ManyRulesSharingAFirstLevelStillMatchTheRightOne) {
  std::vector<RoleRule> rules;
  for (int i = 0; i < 1000; ++i) rules.push_back(allow_pub("fleet/dev" + std::to_string(i) + "/#"));
  rules.push_back(allow_pub("+/any/+"));
  const ClientAcl acl = compile(std::move(rules));
  EXPECT_EQ(acl.rule_count(), 1001U);
  EXPECT_EQ(acl.check_publish("fleet/dev999/t"), kAllow);
  EXPECT_EQ(acl.check_publish("fleet/dev1000/t"), kNoRule);
  EXPECT_EQ(acl.check_publish("other/any/x"), kAllow);
  EXPECT_EQ(acl.check_publish("$SYS/any/x"), kNoRule);
}

TEST_F(ClientAclTest, EmptyLevelsAreTopicsToo) {
  const ClientAcl acl = compile({allow_pub("/a"), allow_sub("+/b")});
  EXPECT_EQ(acl.check_publish("/a"), kAllow);
  EXPECT_EQ(acl.check_publish("a"), kNoRule);
  EXPECT_EQ(acl.check_read("/b"), kAllow);
  EXPECT_EQ(acl.check_subscribe("/b"), kAllow);
}

}  // namespace
}  // namespace certacl::policy
