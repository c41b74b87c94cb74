// certacl-device: a "firmware" device on the host. Same core, same steps as the ESP32 image.
#include <CLI/CLI.hpp>

#include "commands.h"

int main(int argc, char** argv) {
  using namespace certacl::fw::tool;
  CLI::App app{"certacl-device: the ESP32 firmware's core, run on the host"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "certacl-device " CERTACL_VERSION);
  std::string directory;
  app.add_option("--dir", directory, "Credential directory (the device's storage)")->required();

  std::string name;
  bool replace = false;
  auto* keygen_command = app.add_subcommand("keygen", "Make the device key (EC P-256)");
  keygen_command->add_option("--name", name, "Device name (the certificate CN)")->required();
  keygen_command->add_flag("--force", replace, "Replace an existing key");

  std::string out_path;
  auto* csr_command =
      app.add_subcommand("csr", "Write the CSR (to --out, or the console protocol)");
  csr_command->add_option("--out", out_path, "CSR PEM file; without it, print the console lines");

  std::string certificate_path;
  std::string ca_path;
  auto* install_command =
      app.add_subcommand("install-cert", "Check and store the signed certificate");
  install_command->add_option("--cert", certificate_path, "Certificate PEM ('-' = paste on stdin)")
      ->required();
  install_command->add_option("--ca", ca_path, "CA certificate PEM (default: the stored one)");

  auto* provision_command =
      app.add_subcommand("provision", "The whole console conversation on stdin/stdout");
  provision_command->add_option("--name", name, "Device name")->required();
  provision_command->add_option("--ca", ca_path, "CA certificate built into the image");
  provision_command->add_flag("--force", replace, "Replace an existing key");

  BrokerOptions broker;
  auto add_broker_options = [&broker](CLI::App* command) {
    command->add_option("--host", broker.host, "Broker address")->capture_default_str();
    command->add_option("--port", broker.port, "Broker TLS port")->required();
    command
        ->add_option("--server-name", broker.server_name, "Name the broker certificate must carry")
        ->capture_default_str();
    command->add_option("--timeout-ms", broker.timeout_ms, "Bound on every network wait")
        ->check(CLI::Range(1, 600'000))
        ->capture_default_str();
  };
  std::string topic;
  std::string message;
  int qos = 1;
  int count = 1;
  auto* publish_command = app.add_subcommand("publish", "Connect with mTLS and publish");
  add_broker_options(publish_command);
  publish_command->add_option("--topic", topic, "Topic")->required();
  publish_command->add_option("--message", message, "Payload")->required();
  publish_command->add_option("--qos", qos, "0 or 1")
      ->check(CLI::Range(0, 1))
      ->capture_default_str();
  publish_command->add_option("--count", count, "Messages to send")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();

  auto* subscribe_command = app.add_subcommand("subscribe", "Connect, subscribe, print messages");
  add_broker_options(subscribe_command);
  subscribe_command->add_option("--topic", topic, "Topic filter")->required();
  subscribe_command->add_option("--qos", qos, "0 or 1")
      ->check(CLI::Range(0, 1))
      ->capture_default_str();
  subscribe_command->add_option("--count", count, "Messages to wait for")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();

  RunOptions run_options;
  auto add_run_options = [&run_options](CLI::App* command) {
    command
        ->add_option("--factory", run_options.factory_csv,
                     "Factory settings CSV (nvs_partition_gen format, namespace certacl)")
        ->required();
    command->add_option("--timeout-ms", run_options.timeout_ms, "Bound on every network wait")
        ->check(CLI::Range(1, 600'000))
        ->capture_default_str();
    command->add_option("--rotate-key", run_options.rotate_key, "Renew with a new key")
        ->capture_default_str();
  };
  auto* enroll_command =
      app.add_subcommand("enroll", "First boot: EST simpleenroll with the factory token");
  add_run_options(enroll_command);
  auto* renew_command = app.add_subcommand("renew", "EST simplereenroll now (mutual TLS)");
  add_run_options(renew_command);
  auto* run_command = app.add_subcommand(
      "run", "The firmware loop: enroll, connect, act on commands, renew when due");
  add_run_options(run_command);
  run_command->add_option("--seconds", run_options.seconds, "Stop after this long")
      ->check(CLI::Range(1, 86'400))
      ->capture_default_str();
  run_command
      ->add_option("--exit-after-renewals", run_options.exit_after_renewals,
                   "Stop after this many renewals (0: never)")
      ->check(CLI::Range(0, 1000))
      ->capture_default_str();

  CLI11_PARSE(app, argc, argv);

  if (*enroll_command) return enroll(directory, run_options);
  if (*renew_command) return renew(directory, run_options);
  if (*run_command) return run(directory, run_options);

  if (*keygen_command) return keygen(directory, name, replace);
  if (*csr_command) return csr(directory, out_path);
  if (*install_command) return install_certificate(directory, certificate_path, ca_path);
  if (*provision_command) return provision(directory, name, ca_path, replace);
  if (*publish_command) return publish(directory, broker, topic, message, qos, count);
  if (*subscribe_command) return subscribe(directory, broker, topic, qos, count);
  return kExitInvalid;
}
