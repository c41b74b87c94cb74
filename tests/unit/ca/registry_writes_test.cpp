#include <gtest/gtest.h>

#include "ca_error.h"
#include "ca_test_world.h"
#include "device_registry.h"
#include "role_registry.h"

namespace certacl::ca {
namespace {

using test::CaWorld;

// Runs `change` in its own transaction and returns the failure kind (kOk on success).
ExitCode apply(CaWorld& world, const std::function<void(SqliteDatabase&)>& change) {
  try {
    WriteTransaction transaction(world.db());
    change(world.db());
    transaction.commit();
  } catch (const CaError& error) {
    return error.code();
  }
  return ExitCode::kOk;
}

NewDevice device(const std::string& name, const std::string& role = "sensor") {
  return NewDevice{name, role, std::nullopt, std::nullopt};
}

TEST(DeviceRegistry, RefusesBadNamesUnknownRolesAndDuplicates) {
  CaWorld world;
  const std::int64_t before = world.count("audit_log");
  EXPECT_EQ(apply(world, [](auto& db) { add_device(db, device("a/b")); }), ExitCode::kBadInput);
  EXPECT_EQ(apply(world, [](auto& db) { add_device(db, device("a+")); }), ExitCode::kBadInput);
  EXPECT_EQ(apply(world, [](auto& db) { add_device(db, device("")); }), ExitCode::kBadInput);
  EXPECT_EQ(apply(world, [](auto& db) { add_device(db, device(std::string(65, 'x'))); }),
            ExitCode::kBadInput);
  EXPECT_EQ(apply(world, [](auto& db) { add_device(db, device("d", "nope")); }),
            ExitCode::kNotFound);
  EXPECT_EQ(apply(world, [](auto& db) { add_device(db, device("dev1")); }), ExitCode::kConflict);
  EXPECT_EQ(apply(world,
                  [](auto& db) {
                    add_device(db, NewDevice{"d", "sensor", "bad name,DNS:evil", std::nullopt});
                  }),
            ExitCode::kBadInput);
  EXPECT_EQ(world.count("audit_log"), before);
  EXPECT_EQ(world.count("devices"), 1);
}

TEST(DeviceRegistry, RegisteredSansAreUnique) {
  CaWorld world;
  EXPECT_EQ(apply(world,
                  [](auto& db) {
                    add_device(db, NewDevice{"a", "sensor", "a.lan", std::nullopt});
                  }),
            ExitCode::kOk);
  EXPECT_EQ(apply(world,
                  [](auto& db) {
                    add_device(db, NewDevice{"b", "sensor", "a.lan", std::nullopt});
                  }),
            ExitCode::kConflict);
}

TEST(DeviceRegistry, DisableAndEnableAreAudited) {
  CaWorld world;
  const std::int64_t before = world.count("audit_log");
  EXPECT_EQ(apply(world, [](auto& db) { EXPECT_TRUE(set_device_enabled(db, "dev1", false)); }),
            ExitCode::kOk);
  EXPECT_FALSE(find_device(world.db(), "dev1")->enabled);
  EXPECT_EQ(apply(world, [](auto& db) { EXPECT_FALSE(set_device_enabled(db, "dev1", false)); }),
            ExitCode::kOk);
  EXPECT_EQ(apply(world, [](auto& db) { EXPECT_TRUE(set_device_enabled(db, "dev1", true)); }),
            ExitCode::kOk);
  EXPECT_EQ(world.count("audit_log"), before + 2);
  EXPECT_EQ(apply(world, [](auto& db) { (void)set_device_enabled(db, "ghost", true); }),
            ExitCode::kNotFound);
}

TEST(RoleRegistry, ValidatesPatternsWhenEntered) {
  CaWorld world;
  const auto rule = [](const std::string& pattern) {
    return RoleRule{"sensor", RuleEffect::kAllow, RuleAction::kPublish, pattern};
  };
  EXPECT_EQ(apply(world, [&](auto& db) { add_rule(db, rule("factory/%u/telemetry/#")); }),
            ExitCode::kOk);
  EXPECT_EQ(apply(world, [&](auto& db) { add_rule(db, rule("factory/%u/telemetry/#")); }),
            ExitCode::kConflict);
  for (const std::string& bad :
       std::vector<std::string>{"a/#/b", "a/b#", "x+/y", "", "a/%ux", std::string("a\0b", 3)}) {
    EXPECT_EQ(apply(world, [&](auto& db) { add_rule(db, rule(bad)); }), ExitCode::kBadInput) << bad;
  }
  EXPECT_EQ(apply(world,
                  [&](auto& db) {
                    add_rule(db, RoleRule{"ghost", RuleEffect::kDeny, RuleAction::kSubscribe, "a"});
                  }),
            ExitCode::kNotFound);
  EXPECT_EQ(load_role_rules(world.db(), "sensor").size(), 1u);
}

TEST(RoleRegistry, RoleNamesFollowTheIdentityRule) {
  CaWorld world;
  EXPECT_EQ(apply(world, [](auto& db) { add_role(db, "cameras"); }), ExitCode::kOk);
  EXPECT_EQ(apply(world, [](auto& db) { add_role(db, "cameras"); }), ExitCode::kConflict);
  EXPECT_EQ(apply(world, [](auto& db) { add_role(db, "a#"); }), ExitCode::kBadInput);
}

}  // namespace
}  // namespace certacl::ca
