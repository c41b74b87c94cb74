#pragma once
// A real mosquitto with the real certacl plugin on 127.0.0.1:<free port>, TLS with a
// required client certificate, identity options off (so the plugin's BASIC_AUTH runs).
// The broker is a ScopedProcess: it is always stopped with the fixture. Set
// CERTACL_BROKER_WRAPPER (e.g. "valgrind --error-exitcode=99") to run it under a checker.

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "certacl_test/files.h"
#include "certacl_test/process.h"

namespace certacl::test {

struct BrokerSettings {
  std::string cafile;
  std::string certfile;
  std::string keyfile;
  std::optional<std::string> crlfile;
  // Written as plugin_opt_db_path (mosquitto 2.0.11 rejects plugin_opt_ keys shorter than
  // three characters, so the brief's plugin_opt_db cannot be used).
  std::string db_path;
  // Further plugin_opt_<key> <value> lines ("identity", "client_id", "dry_run", ...). A
  // key "db" is written as db_path for the same reason.
  std::map<std::string, std::string> plugin_options;
  std::string plugin_path;   // default: plugin_library()
  std::string extra_config;  // appended verbatim
  // When set, used instead of the generated listener/plugin lines (e.g. the shipped
  // mosquitto.d/certacl.conf with test paths); the fixture still adds user and log lines
  // and replaces every "{port}" with its free port.
  std::string raw_config;
};

class BrokerFixture {
 public:
  explicit BrokerFixture(BrokerSettings settings);
  ~BrokerFixture();
  BrokerFixture(const BrokerFixture&) = delete;
  BrokerFixture& operator=(const BrokerFixture&) = delete;

  // Writes the configuration and starts mosquitto; true once the port accepts connections.
  // False when the broker exited or never listened (see log()).
  [[nodiscard]] bool start(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Rewrites the configuration with new plugin options (for SIGHUP tests).
  void rewrite_config(const std::map<std::string, std::string>& plugin_options);
  void reload();  // SIGHUP
  // Stops the broker; returns its wait status.
  int stop();
  // For "broker must not start" tests: waits for the process to exit by itself.
  std::optional<int> wait_for_exit(std::chrono::milliseconds timeout);
  [[nodiscard]] bool running();

  [[nodiscard]] int port() const noexcept { return port_; }
  // The broker's process id (for its RSS); -1 before start().
  [[nodiscard]] pid_t pid() const noexcept { return process_ ? process_->pid() : -1; }
  // The broker's stdout/stderr followed by its log file.
  [[nodiscard]] std::string log() const;
  // Waits (bounded) until the log contains `text` at least `occurrences` times; returns
  // whether it did. Count first (log_count) to wait for the next of a repeated line.
  [[nodiscard]] bool wait_for_log(const std::string& text,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(5),
                                  std::size_t occurrences = 1) const;
  [[nodiscard]] std::size_t log_count(const std::string& text) const;
  [[nodiscard]] const std::string& config_path() const noexcept { return config_path_; }

 private:
  void write_config();

  BrokerSettings settings_;
  TempDir dir_;
  int port_;
  std::string config_path_;
  std::string log_path_;
  std::string output_path_;
  std::unique_ptr<ScopedProcess> process_;
};

}  // namespace certacl::test
