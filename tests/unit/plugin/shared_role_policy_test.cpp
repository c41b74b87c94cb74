// Differential test of the shared compiled rules: a role compiled once with %u/%c as
// placeholder edges and bound to a session must decide exactly as that session's rules
// with the values substituted and each pattern tested one by one (what a per-session
// compile meant), on many generated rule sets, identities, client ids, topics and filters.
// Also: the registry snapshot compiles each role once and every session shares it.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "certacl/topic.h"
#include "client_acl.h"
#include "registry_snapshot.h"

namespace certacl::policy {
namespace {

// What a per-session compile decided, spelled out: substitute, validate, test every pattern
// one by one; a deny wins, an invalid deny closes the action, no match is a deny.
struct Reference {
  const std::vector<RoleRule>& rules;
  std::string identity;
  std::string client_id;

  Decision decide(RuleAction action, std::string_view text, bool filter) const {
    bool closed = false;
    bool denied = false;
    bool allowed = false;
    for (const RoleRule& rule : rules) {
      if (rule.action != action) continue;
      const std::string pattern = pattern_has_placeholder(rule.pattern)
                                      ? substitute_pattern(rule.pattern, identity, client_id)
                                      : rule.pattern;
      const bool deny = rule.effect == RuleEffect::kDeny;
      if (!topic_filter_problem(pattern).empty()) {
        closed = closed || deny;
        continue;
      }
      const bool hit =
          filter ? filter_contains(pattern, text) : topic_matches_filter(pattern, text);
      (deny ? denied : allowed) |= hit;
    }
    if (closed || denied) return Decision::deny(Reason::kDeniedByRule);
    return allowed ? Decision::allow() : Decision::deny(Reason::kNoMatchingRule);
  }
  std::size_t rejected() const {
    std::size_t count = 0;
    for (const RoleRule& rule : rules) {
      const std::string pattern = pattern_has_placeholder(rule.pattern)
                                      ? substitute_pattern(rule.pattern, identity, client_id)
                                      : rule.pattern;
      count += topic_filter_problem(pattern).empty() ? 0 : 1;
    }
    return count;
  }
};

// Values that fill placeholders: ordinary names, names equal to other levels or to a
// placeholder's own spelling, a '$' name, and (the last ones) values that cannot share and
// must fall back to a per-session compile.
const char* const kValues[] = {"dev1", "dev2", "a", "%u",   "%c", "$q",
                               "x y",  "a/b",  "+", "\xff", ""};
constexpr std::size_t kCleanValues = 7;
const char* const kLevels[] = {"a", "b", "dev1", "dev2", "", "$SYS", "$q", "%u", "%c", "x y"};

std::string random_text(std::mt19937& random, bool wildcards) {
  std::uniform_int_distribution<int> depth(1, 4);
  // Past the literal levels: '+' and '#', when wildcards are wanted.
  const std::size_t last = wildcards ? std::size(kLevels) + 1 : std::size(kLevels) - 1;
  std::uniform_int_distribution<std::size_t> pick(0, last);
  std::string text;
  const int levels = depth(random);
  for (int i = 0; i < levels; ++i) {
    if (i > 0) text += '/';
    const std::size_t choice = pick(random);
    if (choice == std::size(kLevels)) {
      text += '+';
    } else if (choice == std::size(kLevels) + 1) {
      text += '#';
      break;
    } else {
      text += kLevels[choice];
    }
  }
  return text;
}

std::vector<RoleRule> random_rules(std::mt19937& random) {
  std::uniform_int_distribution<int> count(0, 8);
  std::bernoulli_distribution coin(0.5);
  std::bernoulli_distribution deny(0.3);
  std::bernoulli_distribution rare(0.05);
  std::vector<RoleRule> rules;
  for (int i = count(random); i > 0; --i) {
    // Mostly allow rules; now and then a broken pattern, as a tampered database may hold.
    std::string pattern = rare(random) ? "bad/#/x" : random_text(random, true);
    const RuleEffect effect = deny(random) ? RuleEffect::kDeny : RuleEffect::kAllow;
    const RuleAction action = coin(random) ? RuleAction::kPublish : RuleAction::kSubscribe;
    rules.push_back({"role", effect, action, std::move(pattern)});
  }
  return rules;
}

TEST(SharedRolePolicyTest, DecidesLikeAPerSessionSubstitutedCompile) {
  std::mt19937 random(20261124);
  std::uniform_int_distribution<std::size_t> value(0, std::size(kValues) - 1);
  std::size_t allowed = 0;
  std::size_t denied_by_rule = 0;
  std::size_t fallbacks = 0;
  for (int set = 0; set < 400; ++set) {
    const std::vector<RoleRule> rules = random_rules(random);
    const auto shared = RolePolicy::compile(rules);
    for (int session = 0; session < 6; ++session) {
      const Reference reference{rules, kValues[value(random)], kValues[value(random)]};
      const ClientAcl acl = ClientAcl::bind(shared, reference.identity, reference.client_id);
      fallbacks += acl.policy() == shared.get() ? 0 : 1;
      ASSERT_EQ(acl.rejected_rule_count(), reference.rejected());
      for (int probe = 0; probe < 40; ++probe) {
        const std::string topic = random_text(random, false);
        if (topic_name_problem(topic).empty()) {
          const Decision expected_publish = reference.decide(RuleAction::kPublish, topic, false);
          ASSERT_EQ(acl.check_publish(topic), expected_publish)
              << "publish '" << topic << "' as '" << reference.identity << "'/'"
              << reference.client_id << "'";
          ASSERT_EQ(acl.check_read(topic), reference.decide(RuleAction::kSubscribe, topic, false))
              << "read '" << topic << "'";
          allowed += expected_publish.allowed() ? 1 : 0;
          denied_by_rule += expected_publish.reason == Reason::kDeniedByRule ? 1 : 0;
        }
        const std::string filter = random_text(random, true);
        if (topic_filter_problem(filter).empty()) {
          ASSERT_EQ(acl.check_subscribe(filter),
                    reference.decide(RuleAction::kSubscribe, filter, true))
              << "subscribe '" << filter << "' as '" << reference.identity << "'/'"
              << reference.client_id << "'";
        }
      }
    }
  }
  // Guard against a generator that only produces trivial cases.
  EXPECT_GT(allowed, 2000U);
  EXPECT_GT(denied_by_rule, 200U);
  EXPECT_GT(fallbacks, 100U);
}

TEST(SharedRolePolicyTest, SessionsWithOrdinaryNamesShareOneCompiledPolicy) {
  const std::vector<RoleRule> rules{
      {"sensor", RuleEffect::kAllow, RuleAction::kPublish, "fleet/%u/#"},
      {"sensor", RuleEffect::kAllow, RuleAction::kSubscribe, "cmd/%c/#"}};
  const auto shared = RolePolicy::compile(rules);
  for (std::size_t i = 0; i < kCleanValues; ++i) {
    const ClientAcl acl = ClientAcl::bind(shared, kValues[i], kValues[i]);
    EXPECT_EQ(acl.policy(), shared.get()) << kValues[i];
  }
  // A value with a '/' would add a level if substituted: that session gets its own compile.
  const ClientAcl odd = ClientAcl::bind(shared, "a/b", "a/b");
  EXPECT_NE(odd.policy(), shared.get());
  EXPECT_TRUE(odd.check_publish("fleet/a/b/t").allowed());
}

TEST(SharedRolePolicyTest, AValueThatWouldMakeAPatternTooLongIsNotShared) {
  const std::string long_pattern = "x/" + std::string(kMaxTopicBytes - 10, 'p') + "/%u";
  const std::vector<RoleRule> rules{{"r", RuleEffect::kDeny, RuleAction::kPublish, long_pattern},
                                    {"r", RuleEffect::kAllow, RuleAction::kPublish, "#"}};
  const auto shared = RolePolicy::compile(rules);
  const ClientAcl short_name = ClientAcl::bind(shared, "ab", "ab");
  EXPECT_EQ(short_name.policy(), shared.get());
  EXPECT_EQ(short_name.check_publish("y"), Decision::allow());
  // Substituted, the deny pattern passes the longest topic: it is invalid and closes publish.
  const ClientAcl long_name = ClientAcl::bind(shared, std::string(20, 'n'), "c");
  EXPECT_NE(long_name.policy(), shared.get());
  EXPECT_EQ(long_name.rejected_rule_count(), 1U);
  EXPECT_EQ(long_name.check_publish("y"), Decision::deny(Reason::kDeniedByRule));
}

TEST(SharedRolePolicyTest, ADefaultAclDeniesEverything) {
  const ClientAcl acl;
  EXPECT_EQ(acl.check_publish("a"), Decision::deny(Reason::kNoMatchingRule));
  EXPECT_EQ(acl.check_subscribe("a"), Decision::deny(Reason::kNoMatchingRule));
  EXPECT_EQ(acl.check_read("a"), Decision::deny(Reason::kNoMatchingRule));
  EXPECT_EQ(acl.rule_count(), 0U);
}

RegistryContents registry_with_roles() {
  RegistryContents contents;
  contents.rules = {{"sensor", RuleEffect::kAllow, RuleAction::kPublish, "fleet/%u/#"},
                    {"sensor", RuleEffect::kDeny, RuleAction::kPublish, "fleet/%u/secret"},
                    {"admin", RuleEffect::kAllow, RuleAction::kSubscribe, "#"}};
  return contents;
}

TEST(SharedRolePolicyTest, TheSnapshotCompilesEachRoleOnceForAllItsSessions) {
  const auto snapshot = RegistrySnapshot::build(registry_with_roles(), 1);
  const auto sensor = snapshot->policy_for_role("sensor");
  EXPECT_EQ(snapshot->policy_for_role("sensor"), sensor);
  EXPECT_EQ(sensor->rule_count(), 2U);
  const ClientAcl one = ClientAcl::bind(sensor, "dev1", "dev1");
  const ClientAcl two = ClientAcl::bind(sensor, "dev2", "dev2");
  EXPECT_EQ(one.policy(), two.policy());
  EXPECT_EQ(one.check_publish("fleet/dev1/t"), Decision::allow());
  EXPECT_EQ(one.check_publish("fleet/dev2/t"), Decision::deny(Reason::kNoMatchingRule));
  EXPECT_EQ(one.check_publish("fleet/dev1/secret"), Decision::deny(Reason::kDeniedByRule));
  EXPECT_EQ(two.check_publish("fleet/dev2/t"), Decision::allow());
  EXPECT_EQ(snapshot->policy_for_role("admin")->rule_count(), 1U);
}

TEST(SharedRolePolicyTest, AnUnknownRoleGetsAPolicyThatDeniesEverything) {
  const auto snapshot = RegistrySnapshot::build(registry_with_roles(), 1);
  const ClientAcl acl = ClientAcl::bind(snapshot->policy_for_role("nobody"), "dev1", "dev1");
  EXPECT_EQ(acl.rule_count(), 0U);
  EXPECT_EQ(acl.check_publish("fleet/dev1/t"), Decision::deny(Reason::kNoMatchingRule));
  EXPECT_EQ(acl.check_subscribe("#"), Decision::deny(Reason::kNoMatchingRule));
}

}  // namespace
}  // namespace certacl::policy
