#pragma once
// One CA and one broker (real mosquitto + certacl plugin) shared by a test suite, and a
// way to run certacl-sim against them.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "certacl_test/broker_fixture.h"
#include "certacl_test/ca_fixture.h"
#include "certacl_test/files.h"
#include "certacl_test/paths.h"
#include "certacl_test/process.h"

namespace certacl::test {

struct SimEnvironment {
  CaFixture ca{"certacl sim test CA"};
  std::unique_ptr<BrokerFixture> broker;
  TempDir workdir;

  explicit SimEnvironment(const std::map<std::string, std::string>& extra_plugin_options = {}) {
    BrokerSettings settings;
    settings.cafile = ca.ca_cert_path();
    settings.certfile = ca.server_cert_path();
    settings.keyfile = ca.server_key_path();
    settings.plugin_options = extra_plugin_options;
    settings.plugin_options["db"] = ca.db_path();
    broker = std::make_unique<BrokerFixture>(settings);
  }

  // certacl-sim <command...> --port --cafile --ca-db --ca-bin --workdir
  CommandResult sim(std::vector<std::string> arguments) const {
    std::vector<std::string> argv{sim_binary()};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    argv.insert(argv.end(),
                {"--port", std::to_string(broker->port()), "--cafile", ca.ca_cert_path(), "--ca-db",
                 ca.db_path(), "--ca-bin", ca_binary(), "--workdir", workdir.path()});
    CommandOptions options;
    options.timeout = std::chrono::seconds(120);
    return run_command(argv, options);
  }
};

// The table row for `check` with the given verdict ("ok" or "FAIL"), as certacl-sim prints it.
inline bool has_row(const std::string& output, const std::string& verdict,
                    const std::string& check) {
  const std::string prefix =
      "  " + verdict + std::string(verdict.size() < 6 ? 6 - verdict.size() : 0, ' ') + " " + check;
  return output.find(prefix) != std::string::npos;
}

}  // namespace certacl::test
