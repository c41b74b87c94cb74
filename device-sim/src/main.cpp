// certacl-sim: simulated MQTT devices with their own certificates.
//   certacl-sim scenario seeds|attacks|revoke-live|all --port P --cafile F --ca-db DB ...
//   certacl-sim load --devices N --connect-rate R --publish-rate R --payload-bytes B ...
// Exit codes: 0 every expectation met, 1 a scenario or load check failed, 2 bad usage or
// a setup error (named on stderr).

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "certacl/identity.h"
#include "certacl/store/postgres_connection.h"
#include "load/fleet_split.h"
#include "load/load_run.h"
#include "load/load_workers.h"
#include "provision/registry_guard.h"
#include "scenario/scenario_settings.h"

namespace {

using namespace certacl::sim;

constexpr int kExitMismatch = 1;
constexpr int kExitSetup = 2;

// certacl-ca normally sits next to certacl-sim in <build>/bin.
std::string default_ca_binary() {
  std::error_code error;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error) {
    const auto sibling = self.parent_path() / "certacl-ca";
    if (std::filesystem::exists(sibling)) return sibling.string();
  }
  return "certacl-ca";
}

struct CommonOptions {
  BrokerEndpoint broker;
  std::string ca_db;
  std::string ca_bin = default_ca_binary();
  std::string workdir = "certacl-sim-work";
  bool json = false;
  bool production_allowed = false;
};

void add_common_options(CLI::App& command, CommonOptions& options) {
  command.add_option("--host", options.broker.host, "Broker address")->capture_default_str();
  command.add_option("--port", options.broker.port, "Broker TLS port")
      ->required()
      ->check(CLI::Range(1, 65535));
  command
      .add_option("--cafile", options.broker.cafile, "CA certificate the broker's cert chains to")
      ->required()
      ->check(CLI::ExistingFile);
  command
      .add_option("--ca-db", options.ca_db,
                  "certacl-ca database (for provisioning): a file, or a postgresql:// URL "
                  "(password: $CERTACL_DB_PASSWORD_FILE or PGPASSFILE)")
      ->required()
      ->check(CLI::Validator(std::function<std::string(std::string&)>([](std::string& value) {
                               return certacl::store::is_postgres_url(value)
                                          ? std::string()
                                          : CLI::ExistingFile(value);
                             }),
                             "FILE|URL"));
  command.add_option("--ca-bin", options.ca_bin, "certacl-ca executable")->capture_default_str();
  command.add_option("--workdir", options.workdir, "Where device keys and certificates go")
      ->capture_default_str();
  command.add_flag("--json", options.json, "Print machine-readable JSON instead of tables");
  command.add_flag("--i-know-this-is-production", options.production_allowed,
                   "Provision into a registry certacl-sim did not create (one with roles not "
                   "named sim-...); without it such a registry is refused before any change");
}

std::string absolute(const std::string& path) {
  if (certacl::store::is_postgres_url(path)) return path;
  return std::filesystem::absolute(path).lexically_normal().string();
}

int run_scenarios(const std::vector<std::string>& names, const CommonOptions& common,
                  const ScenarioSettings& tuning) {
  refuse_foreign_registry(absolute(common.ca_db), common.production_allowed);
  ScenarioSettings settings = tuning;
  settings.broker = common.broker;
  settings.ca_db = absolute(common.ca_db);
  settings.ca_bin = common.ca_bin;
  settings.workdir = absolute(common.workdir);
  settings.est.cafile = common.broker.cafile;
  std::filesystem::create_directories(settings.workdir);

  std::vector<std::string> order = names;
  if (order.size() == 1 && order[0] == "all") order = {"seeds", "attacks", "revoke-live"};
  bool all_passed = true;
  nlohmann::json reports = nlohmann::json::array();
  for (const auto& name : order) {
    ScenarioReport report = name == "seeds"          ? run_seeds(settings)
                            : name == "attacks"      ? run_attacks(settings)
                            : name == "enroll"       ? run_enroll(settings)
                            : name == "multi-broker" ? run_multi_broker(settings)
                                                     : run_revoke_live(settings);
    all_passed = all_passed && report.passed();
    if (common.json) {
      reports.push_back(report.to_json());
    } else {
      std::cout << report.table() << std::flush;
    }
  }
  if (common.json)
    std::cout << nlohmann::json{{"passed", all_passed}, {"scenarios", reports}}.dump(2) << "\n";
  return all_passed ? 0 : kExitMismatch;
}

int run_load_command(const CommonOptions& common, LoadSettings settings,
                     const std::string& worker_slice) {
  refuse_foreign_registry(absolute(common.ca_db), common.production_allowed);
  settings.broker = common.broker;
  settings.ca_db = absolute(common.ca_db);
  settings.ca_bin = common.ca_bin;
  settings.workdir = absolute(common.workdir);
  if (!worker_slice.empty()) {
    const auto [index, count] = parse_worker_slice(worker_slice);
    return run_load_worker(settings, index, count);
  }
  std::filesystem::create_directories(settings.workdir);
  const auto result = run_load(settings, std::cerr);
  if (common.json) {
    std::cout << load_to_json(settings, result).dump(2) << "\n";
  } else {
    std::cout << describe_load(settings, result) << std::flush;
  }
  return result.healthy(settings.qos) ? 0 : kExitMismatch;
}

}  // namespace

int main(int argc, char** argv) {
  // A broker that closes a socket mid-write must not kill the simulator.
  signal(SIGPIPE, SIG_IGN);

  CLI::App app{"certacl-sim: simulated devices, attack scenarios and load for certacl"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "certacl-sim " CERTACL_VERSION);

  CommonOptions scenario_common;
  ScenarioSettings tuning;
  std::vector<std::string> scenario_names;
  auto* scenario = app.add_subcommand("scenario", "Run named scenarios and check their outcome");
  scenario
      ->add_option("names", scenario_names,
                   "seeds, attacks, revoke-live, enroll, multi-broker or all")
      ->required()
      ->check(CLI::IsMember({"seeds", "attacks", "revoke-live", "enroll", "multi-broker", "all"}));
  add_common_options(*scenario, scenario_common);
  scenario->add_option("--messages", tuning.messages, "Readings each seed device publishes")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  scenario->add_option("--rate", tuning.readings_per_second, "Readings per second per seed device")
      ->check(CLI::Range(0.1, 1000.0))
      ->capture_default_str();
  scenario->add_option("--qos", tuning.qos, "QoS of publishes and subscriptions")
      ->check(CLI::Range(0, 2))
      ->capture_default_str();

  scenario
      ->add_option("--second-port", tuning.second_broker_port,
                   "multi-broker: TLS port of a second broker on the same registry (same host)")
      ->check(CLI::Range(1, 65535));
  int renew_after_s = 0;
  scenario->add_option("--est-host", tuning.est.host, "enroll: EST server address")
      ->capture_default_str();
  scenario->add_option("--est-port", tuning.est.port, "enroll: EST server port (certacl-ca serve)")
      ->check(CLI::Range(1, 65535));
  scenario->add_option("--enroll-fleet", tuning.enroll_fleet, "enroll: devices that enroll")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  scenario
      ->add_option("--renew-after", renew_after_s,
                   "enroll: seconds the fleet keeps its first certificates before renewing")
      ->check(CLI::Range(0, 86400))
      ->capture_default_str();

  CommonOptions load_common;
  LoadSettings load;
  double duration_s = 10;
  auto* load_command = app.add_subcommand("load", "Load the broker with a fleet of devices");
  add_common_options(*load_command, load_common);
  load_command->add_option("--devices", load.devices, "Number of devices (connections)")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  load_command
      ->add_option("--connect-rate", load.connect_rate, "New connections per second (0: no limit)")
      ->check(CLI::Range(0.0, 1e6))
      ->capture_default_str();
  load_command->add_option("--publish-rate", load.publish_rate, "Messages per second per device")
      ->check(CLI::Range(0.001, 1e4))
      ->capture_default_str();
  load_command
      ->add_option("--payload-bytes", load.payload_bytes, "Payload size (at least the stamp)")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  load_command->add_option("--duration", duration_s, "Seconds of publishing after the connect ramp")
      ->check(CLI::Range(1.0, 86400.0))
      ->capture_default_str();
  load_command->add_option("--qos", load.qos, "QoS of publishes and subscriptions")
      ->check(CLI::Range(0, 2))
      ->capture_default_str();
  load_command->add_option("--name-prefix", load.name_prefix, "Device name prefix")
      ->check([](const std::string& prefix) {
        // The names become device names: common's rule, checked before anything is provisioned.
        const std::string_view problem = certacl::device_name_problem(prefix + "0");
        return problem.empty() ? std::string{}
                               : "device names '" + prefix + "N' " + std::string(problem);
      })
      ->capture_default_str();
  bool quiet = false;
  load_command->add_flag("--quiet", quiet, "No progress lines");
  load_command
      ->add_option("--workers", load.workers,
                   "Worker processes to split the fleet across (0: as many as the open-file "
                   "limit needs)")
      ->check(CLI::Range(0, 64))
      ->capture_default_str();
  std::string worker_slice;  // set only by the parent process when it starts a worker
  load_command->add_option("--worker-slice", worker_slice)->group("");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // --help is a "parse error" that exits 0; everything else is bad usage.
    return app.exit(error) == 0 ? 0 : kExitSetup;
  }

  try {
    tuning.renew_after = std::chrono::seconds(renew_after_s);
    if (scenario->parsed()) return run_scenarios(scenario_names, scenario_common, tuning);
    load.duration = std::chrono::seconds(static_cast<long>(duration_s));
    load.progress = !quiet;
    return run_load_command(load_common, load, worker_slice);
  } catch (const std::exception& error) {
    std::cerr << "certacl-sim: error: " << error.what() << "\n";
    return kExitSetup;
  }
}
