#include "plugin_options.h"

#include <gtest/gtest.h>

#include <vector>

namespace certacl::plugin {
namespace {

std::variant<PluginOptions, OptionsError> parse(std::vector<OptionPair> pairs) {
  return parse_plugin_options(pairs);
}

std::string error_of(std::vector<OptionPair> pairs) {
  const auto parsed = parse(std::move(pairs));
  const auto* error = std::get_if<OptionsError>(&parsed);
  return error ? error->message : std::string("(no error)");
}

TEST(PluginOptionsTest, DefaultsNeedOnlyTheDatabase) {
  const auto parsed = parse({{"db_path", "/var/lib/certacl/certacl.db"}});
  ASSERT_TRUE(std::holds_alternative<PluginOptions>(parsed));
  const auto& options = std::get<PluginOptions>(parsed);
  EXPECT_EQ(options.db_path, "/var/lib/certacl/certacl.db");
  EXPECT_EQ(options.connect.identity_source, policy::IdentitySource::kCommonName);
  EXPECT_EQ(options.connect.client_id_rule, policy::ClientIdRule::kExact);
  EXPECT_EQ(options.connect.other_listeners, policy::OtherListeners::kRefuse);
  EXPECT_EQ(options.stale_limit.count(), 60);
  EXPECT_FALSE(options.dry_run);
  EXPECT_EQ(options.stats_interval.count(), 10);
  EXPECT_EQ(options.poll_interval.count(), 50);
}

TEST(PluginOptionsTest, EveryOptionIsRead) {
  const auto parsed = parse({{"db", "x.db"},
                             {"identity", "san-uri"},
                             {"client_id", "prefix"},
                             {"stale_limit", "5"},
                             {"dry_run", "true"},
                             {"log_level", "debug"},
                             {"stats_interval", "0"},
                             {"poll_interval_ms", "20"}});
  ASSERT_TRUE(std::holds_alternative<PluginOptions>(parsed)) << error_of({});
  const auto& options = std::get<PluginOptions>(parsed);
  EXPECT_EQ(options.connect.identity_source, policy::IdentitySource::kSanUri);
  EXPECT_EQ(options.connect.client_id_rule, policy::ClientIdRule::kPrefix);
  EXPECT_EQ(options.stale_limit.count(), 5);
  EXPECT_TRUE(options.dry_run);
  EXPECT_EQ(options.log_level, spdlog::level::debug);
  EXPECT_EQ(options.stats_interval.count(), 0);
  EXPECT_EQ(options.poll_interval.count(), 20);
}

TEST(PluginOptionsTest, ErrorsNameTheOption) {
  EXPECT_EQ(error_of({}), "plugin_opt_db_path: required (the path of the certacl database)");
  EXPECT_NE(error_of({{"db", "x"}, {"identity", "cn2"}}).find("plugin_opt_identity: 'cn2'"),
            std::string::npos);
  EXPECT_NE(error_of({{"db", "x"}, {"client_id", "EXACT"}}).find("plugin_opt_client_id"),
            std::string::npos);
  EXPECT_NE(error_of({{"db", "x"}, {"stale_limit", "0"}}).find("plugin_opt_stale_limit"),
            std::string::npos);
  EXPECT_NE(error_of({{"db", "x"}, {"stale_limit", "12s"}}).find("plugin_opt_stale_limit"),
            std::string::npos);
  EXPECT_NE(error_of({{"db", "x"}, {"dry_run", "yes"}}).find("plugin_opt_dry_run"),
            std::string::npos);
  EXPECT_NE(error_of({{"db", "x"}, {"log_level", "loud"}}).find("plugin_opt_log_level"),
            std::string::npos);
  EXPECT_NE(error_of({{"db", "x"}, {"poll_interval_ms", "1"}}).find("plugin_opt_poll_interval_ms"),
            std::string::npos);
  EXPECT_NE(error_of({{"db", "x"}, {"colour", "red"}}).find("plugin_opt_colour: unknown option"),
            std::string::npos);
  EXPECT_NE(error_of({{"db_path", "x"}, {"db", "y"}}).find("given more than once"),
            std::string::npos);
  EXPECT_NE(error_of({{"db_path", ""}}).find("plugin_opt_db_path"), std::string::npos);
}

// Issue 12: leaving clients without a certificate to mosquitto is opt-in, and refused with
// client_id any, under which devices and password clients could share client ids.
TEST(PluginOptionsTest, OtherListenersDeferIsOptIn) {
  const auto parsed = parse({{"db_path", "x.db"}, {"other_listeners", "defer"}});
  ASSERT_TRUE(std::holds_alternative<PluginOptions>(parsed));
  EXPECT_EQ(std::get<PluginOptions>(parsed).connect.other_listeners,
            policy::OtherListeners::kDefer);
  EXPECT_NE(error_of({{"db_path", "x.db"}, {"other_listeners", "allow"}})
                .find("plugin_opt_other_listeners: 'allow' is not one of refuse, defer"),
            std::string::npos);
  EXPECT_NE(error_of({{"db_path", "x.db"}, {"other_listeners", "defer"}, {"client_id", "any"}})
                .find("'defer' needs plugin_opt_client_id exact or prefix"),
            std::string::npos);
  const auto prefix =
      parse({{"db_path", "x.db"}, {"other_listeners", "defer"}, {"client_id", "prefix"}});
  EXPECT_TRUE(std::holds_alternative<PluginOptions>(prefix));
}

TEST(PluginOptionsTest, ShortDbKeyIsAnAlias) {
  // mosquitto 2.0.11 cannot pass plugin_opt_db (keys need 3+ characters); newer may.
  const auto parsed = parse({{"db", "a.db"}});
  ASSERT_TRUE(std::holds_alternative<PluginOptions>(parsed));
  EXPECT_EQ(std::get<PluginOptions>(parsed).db_path, "a.db");
}

TEST(PluginOptionsTest, UntrustedTextInErrorsIsEscaped) {
  EXPECT_NE(error_of({{"db", "x"}, {"identity", "a\nb"}}).find("a\\x0Ab"), std::string::npos);
}

TEST(PluginOptionsTest, ShadowRulesNameAFile) {
  const auto parsed = parse({{"db_path", "/db"}, {"shadow_rules", "/etc/candidate.rules"}});
  ASSERT_TRUE(std::holds_alternative<PluginOptions>(parsed));
  EXPECT_EQ(std::get<PluginOptions>(parsed).shadow_rules_path, "/etc/candidate.rules");
  EXPECT_EQ(std::get<PluginOptions>(parse({{"db_path", "/db"}})).shadow_rules_path, "");
  EXPECT_EQ(error_of({{"db_path", "/db"}, {"shadow_rules", ""}}),
            "plugin_opt_shadow_rules: the file path is empty");
}

}  // namespace
}  // namespace certacl::plugin
