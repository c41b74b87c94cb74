// certacl_soak: a long run of a fleet under registry churn against a running broker with
// the certacl plugin (bench/soak/soak.sh starts one and plots the CSV). Exit 0 when every
// check passed, 1 when one failed, 2 on bad usage or a set-up error.

#include <signal.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "soak_run.h"

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  certacl::soak::SoakSettings settings;
  double duration_s = 180;
  CLI::App app{
      "certacl_soak: a fleet under revocations, re-enrollments, disable/enable, rule "
      "changes and random disconnects; checks delivery, refusals, drop times, RSS"};
  app.add_option("--port", settings.broker.port, "Broker TLS port")->required();
  app.add_option("--host", settings.broker.host, "Broker address")->capture_default_str();
  app.add_option("--cafile", settings.broker.cafile, "CA certificate")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--ca-db", settings.ca_db, "certacl-ca database")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--ca-bin", settings.ca_bin, "certacl-ca executable")->required();
  app.add_option("--workdir", settings.workdir, "Device keys and certificates")->required();
  app.add_option("--devices", settings.devices, "Devices")
      ->check(CLI::Range(2, 20000))
      ->capture_default_str();
  app.add_option("--duration", duration_s, "Seconds")
      ->check(CLI::Range(10.0, 86400.0))
      ->capture_default_str();
  app.add_option("--publish-period", settings.publish_period_s,
                 "Seconds between a device's publishes")
      ->check(CLI::Range(0.05, 600.0))
      ->capture_default_str();
  app.add_option("--churn-period", settings.churn_period_s,
                 "Seconds between rounds of revoke+re-enroll, disable+enable, rule change")
      ->check(CLI::Range(0.5, 3600.0))
      ->capture_default_str();
  app.add_option("--disconnects-per-second", settings.disconnects_per_s, "Random disconnects")
      ->check(CLI::Range(0.001, 1000.0))
      ->capture_default_str();
  app.add_option("--connect-rate", settings.connect_rate, "Devices connected per second at start")
      ->check(CLI::Range(1.0, 100000.0))
      ->capture_default_str();
  app.add_option("--sample-period", settings.sample_period_s, "Seconds between CSV samples")
      ->check(CLI::Range(0.5, 600.0))
      ->capture_default_str();
  app.add_option("--warmup", settings.warmup_s, "Seconds before RSS must be flat")
      ->capture_default_str();
  app.add_option("--flat-tolerance", settings.flat_tolerance,
                 "Allowed growth of mean RSS, last third vs first third after warm-up")
      ->capture_default_str();
  app.add_option("--broker-pid", settings.broker_pid, "Broker process for RSS samples");
  app.add_option("--csv", settings.csv_path, "Where the samples go");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error) == 0 ? 0 : 2;
  }
  settings.duration = std::chrono::seconds(static_cast<long>(duration_s));
  try {
    settings.workdir = std::filesystem::absolute(settings.workdir).string();
    settings.ca_db = std::filesystem::absolute(settings.ca_db).string();
    std::filesystem::create_directories(settings.workdir);
    const auto report = certacl::soak::run_soak(settings, std::cerr);
    std::cout << certacl::soak::describe_soak(settings, report) << std::flush;
    return report.passed() ? 0 : 1;
  } catch (const std::exception& error) {
    std::cerr << "certacl_soak: error: " << error.what() << "\n";
    return 2;
  }
}
