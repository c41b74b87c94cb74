#include "registry_snapshot.h"

#include <gtest/gtest.h>

namespace certacl::policy {
namespace {

RegistryContents sample() {
  RegistryContents contents;
  contents.change_counter = 3;
  Device d;
  d.name = "dev1";
  d.role = "sensor";
  d.enabled = true;
  d.san_dns = "dev1.example";
  contents.devices.push_back(d);
  contents.rules = {RoleRule{"sensor", RuleEffect::kAllow, RuleAction::kPublish, "a/#"},
                    RoleRule{"sensor", RuleEffect::kDeny, RuleAction::kPublish, "a/b"},
                    RoleRule{"admin", RuleEffect::kAllow, RuleAction::kSubscribe, "#"}};
  CertificateRecord c;
  c.serial = "1F";
  c.device = "dev1";
  contents.device_certificates.push_back(c);
  return contents;
}

TEST(RegistrySnapshotTest, IndexesEverything) {
  const auto snapshot = RegistrySnapshot::build(sample(), 42);
  EXPECT_EQ(snapshot->change_counter(), 3);
  EXPECT_EQ(snapshot->loaded_at(), 42);
  ASSERT_NE(snapshot->find_device("dev1"), nullptr);
  EXPECT_EQ(snapshot->find_device("dev2"), nullptr);
  EXPECT_EQ(snapshot->find_device_by_san_dns("dev1.example"), snapshot->find_device("dev1"));
  EXPECT_EQ(snapshot->find_device_by_san_uri("dev1.example"), nullptr);
  ASSERT_NE(snapshot->find_certificate("1F"), nullptr);
  EXPECT_EQ(snapshot->find_certificate("1f"), nullptr);  // serials are upper-case hex
  EXPECT_EQ(snapshot->rules_for_role("sensor").size(), 2U);
  EXPECT_EQ(snapshot->rules_for_role("admin").size(), 1U);
  EXPECT_TRUE(snapshot->rules_for_role("nobody").empty());
}

TEST(RegistrySnapshotTest, SameRulesNoticesAnyChange) {
  const auto before = RegistrySnapshot::build(sample(), 1);
  EXPECT_TRUE(before->same_rules("sensor", *RegistrySnapshot::build(sample(), 2)));
  RegistryContents changed = sample();
  changed.rules[1].pattern = "a/c";
  const auto after = RegistrySnapshot::build(std::move(changed), 2);
  EXPECT_FALSE(before->same_rules("sensor", *after));
  EXPECT_TRUE(before->same_rules("admin", *after));
}

}  // namespace
}  // namespace certacl::policy
