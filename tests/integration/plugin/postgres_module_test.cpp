// The PostgreSQL support lives in a module the plugin loads only for plugin_opt_db_url
// (plugin/src/broker/postgres_registry_module.h): a broker on SQLite never maps libpq, and a
// broker on PostgreSQL without the module refuses to start, naming what is missing. That the
// module works is shown by every broker test on PostgreSQL (tests/integration/postgres).
#include <filesystem>
#include <fstream>
#include <string>

#include "certacl_test/paths.h"
#include "plugin_environment.h"

namespace certacl::test {
namespace {

using namespace std::chrono_literals;

class PostgresModuleTest : public PluginEnvironment {};

std::string mapped_files(pid_t pid) {
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  return {std::istreambuf_iterator<char>(maps), {}};
}

TEST_F(PostgresModuleTest, ABrokerOnSqliteMapsNeitherLibpqNorTheModule) {
  start_broker();
  auto sensor = connected(dev1_, "dev1");
  ASSERT_TRUE(sensor->connected());
  const std::string maps = mapped_files(broker_->pid());
  ASSERT_NE(maps.find("mosquitto_certacl.so"), std::string::npos) << maps;
  EXPECT_EQ(maps.find("libpq.so"), std::string::npos) << maps;
  EXPECT_EQ(maps.find("certacl_registry_postgres.so"), std::string::npos) << maps;
}

TEST_F(PostgresModuleTest, ABrokerOnPostgresWithoutTheModuleRefusesToStartNamingIt) {
  // The plugin alone in a directory of its own: the module is not next to it.
  const std::string lonely = ca_->dir().file("lonely");
  std::filesystem::create_directory(lonely);
  const std::string plugin = lonely + "/mosquitto_certacl.so";
  std::filesystem::copy_file(plugin_library(), plugin);
  BrokerSettings settings = broker_settings({});
  settings.db_path.clear();
  settings.plugin_options["db_url"] = "postgresql://certacl_broker@127.0.0.1:1/certacl";
  settings.plugin_path = plugin;
  BrokerFixture broker(settings);
  EXPECT_FALSE(broker.start(5s));
  EXPECT_TRUE(broker.wait_for_exit(5s).has_value());
  const std::string expected = "plugin_opt_db_url needs the PostgreSQL module '" + lonely +
                               "/certacl_registry_postgres.so', which cannot be loaded";
  EXPECT_NE(broker.log().find(expected), std::string::npos) << broker.log();
  EXPECT_NE(broker.log().find("certacl: refusing to start"), std::string::npos) << broker.log();
}

}  // namespace
}  // namespace certacl::test
