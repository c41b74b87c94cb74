// plugin_opt_db_url / plugin_opt_db_password_file, and how the PostgreSQL watcher's timing
// follows the other options (plugin/src/broker/postgres_snapshot_watcher.h).
#include <gtest/gtest.h>

#include <chrono>
#include <vector>

#include "plugin_options.h"
#include "postgres_snapshot_watcher.h"

namespace certacl::plugin {
namespace {

using namespace std::chrono_literals;

std::variant<PluginOptions, OptionsError> parse(std::vector<OptionPair> pairs) {
  return parse_plugin_options(pairs);
}

std::string error_of(std::vector<OptionPair> pairs) {
  const auto parsed = parse(std::move(pairs));
  const auto* error = std::get_if<OptionsError>(&parsed);
  return error ? error->message : std::string("(no error)");
}

TEST(PostgresOptionsTest, AUrlReplacesThePath) {
  const auto parsed = parse({{"db_url", "postgresql://broker_a@db.example:5432/certacl"},
                             {"db_password_file", "/etc/mosquitto/certacl/pg-password"}});
  ASSERT_TRUE(std::holds_alternative<PluginOptions>(parsed));
  const auto& options = std::get<PluginOptions>(parsed);
  EXPECT_EQ(options.db_url, "postgresql://broker_a@db.example:5432/certacl");
  EXPECT_EQ(options.db_password_file, "/etc/mosquitto/certacl/pg-password");
  EXPECT_TRUE(options.db_path.empty());
  // Without a password file libpq reads PGPASSFILE or ~/.pgpass.
  EXPECT_TRUE(std::holds_alternative<PluginOptions>(parse({{"db_url", "postgres://b@h/certacl"}})));
}

TEST(PostgresOptionsTest, RefusalsNameTheOptionAndNeverEchoTheUrl) {
  EXPECT_EQ(error_of({{"db_url", "mysql://root:hunter2@h/x"}}),
            "plugin_opt_db_url: '<url>' is not a postgresql:// URL");
  EXPECT_EQ(error_of({{"db_path", "a.db"}, {"db_url", "postgresql://b@h/certacl"}}),
            "plugin_opt_db_url: give plugin_opt_db_path or plugin_opt_db_url, not both");
  EXPECT_EQ(error_of({{"db_path", "a.db"}, {"db_password_file", "/p"}}),
            "plugin_opt_db_password_file: only used with plugin_opt_db_url");
  EXPECT_EQ(error_of({{"db_url", "postgresql://b@h/certacl"}, {"db_password_file", ""}}),
            "plugin_opt_db_password_file: the file path is empty");
  EXPECT_NE(error_of({{"db_url", "postgresql://b@h/c"}, {"db_url", "postgresql://b@h/c"}})
                .find("given more than once"),
            std::string::npos);
}

// Found by plugin_options_fuzz: a URL with a NUL in it was accepted, and libpq would have
// been handed only the part before it.
TEST(PostgresOptionsTest, ControlBytesInTheUrlOrPathAreRefused) {
  using namespace std::string_literals;
  EXPECT_EQ(error_of({{"db_url", "postgresql://b@h/cert\0acl"s}}),
            "plugin_opt_db_url: '<url>' is not a postgresql:// URL");
  EXPECT_EQ(error_of({{"db_url", "postgresql://b@h/certacl\nx"}}),
            "plugin_opt_db_url: '<url>' is not a postgresql:// URL");
  EXPECT_NE(error_of({{"db_path", "/var/lib/certacl/a\x01.db"}}).find("is not a file path"),
            std::string::npos);
}

TEST(PostgresWatchTimingTest, HeartbeatIsAQuarterOfTheStaleLimitWithinBounds) {
  EXPECT_EQ(postgres_watch_timing(1s, 50ms).heartbeat, 250ms);
  EXPECT_EQ(postgres_watch_timing(8s, 50ms).heartbeat, 2s);
  EXPECT_EQ(postgres_watch_timing(60s, 50ms).heartbeat, 5s);
}

TEST(PostgresWatchTimingTest, ALostConnectionIsRetriedAtMostFiveTimesASecond) {
  EXPECT_EQ(postgres_watch_timing(60s, 50ms).retry, 200ms);
  EXPECT_EQ(postgres_watch_timing(60s, 1000ms).retry, 1000ms);
}

}  // namespace
}  // namespace certacl::plugin
