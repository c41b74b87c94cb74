#include "certacl_test/broker_fixture.h"

#include <signal.h>

#include <cstdlib>
#include <sstream>
#include <thread>

#include "certacl_test/paths.h"

namespace certacl::test {

BrokerFixture::BrokerFixture(BrokerSettings settings)
    : settings_(std::move(settings)),
      port_(free_loopback_port()),
      config_path_(dir_.file("mosquitto.conf")),
      log_path_(dir_.file("mosquitto.log")),
      output_path_(dir_.file("mosquitto.out")) {
  if (settings_.plugin_path.empty()) settings_.plugin_path = plugin_library();
}

BrokerFixture::~BrokerFixture() = default;

void BrokerFixture::write_config() {
  std::ostringstream config;
  if (!settings_.raw_config.empty()) {
    std::string raw = settings_.raw_config;
    for (std::size_t at = raw.find("{port}"); at != std::string::npos; at = raw.find("{port}")) {
      raw.replace(at, 6, std::to_string(port_));
    }
    config << "user root\nlog_dest file " << log_path_ << "\nlog_type all\n" << raw << "\n";
    write_file(config_path_, config.str());
    return;
  }
  // Tests run as root; without this mosquitto 2.0 drops to user 'mosquitto' and may not
  // read the temporary files.
  config << "user root\n"
         << "per_listener_settings false\n"
         << "allow_anonymous false\n"
         << "persistence false\n"
         // The file destination is line-buffered, so tests can read it while the broker
         // runs; stdout (block-buffered) still catches errors from before logging starts.
         << "log_dest file " << log_path_ << "\n"
         << "log_type all\n"
         << "log_timestamp true\n"
         << "sys_interval 1\n"
         << "listener " << port_ << " 127.0.0.1\n"
         << "cafile " << settings_.cafile << "\n"
         << "certfile " << settings_.certfile << "\n"
         << "keyfile " << settings_.keyfile << "\n"
         << "require_certificate true\n"
         << "use_identity_as_username false\n"
         << "use_subject_as_username false\n"
         << "tls_version tlsv1.2\n";
  if (settings_.crlfile) config << "crlfile " << *settings_.crlfile << "\n";
  config << "plugin " << settings_.plugin_path << "\n";
  if (!settings_.db_path.empty()) config << "plugin_opt_db_path " << settings_.db_path << "\n";
  for (const auto& [key, value] : settings_.plugin_options) {
    config << "plugin_opt_" << (key == "db" ? "db_path" : key) << " " << value << "\n";
  }
  config << settings_.extra_config << "\n";
  write_file(config_path_, config.str());
}

bool BrokerFixture::start(std::chrono::milliseconds timeout) {
  write_config();
  // CERTACL_BROKER_WRAPPER="valgrind --error-exitcode=99" runs the broker (and so the
  // plugin) under a checker; words are split on spaces.
  std::vector<std::string> argv;
  if (const char* wrapper = std::getenv("CERTACL_BROKER_WRAPPER")) {
    std::istringstream words(wrapper);
    for (std::string word; words >> word;) argv.push_back(word);
  }
  argv.insert(argv.end(), {mosquitto_binary(), "-c", config_path_});
  process_ = std::make_unique<ScopedProcess>(argv, output_path_);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!process_->running()) return false;
    if (wait_for_port(port_, 100)) return true;
  }
  return false;
}

void BrokerFixture::rewrite_config(const std::map<std::string, std::string>& plugin_options) {
  settings_.plugin_options = plugin_options;
  write_config();
}

void BrokerFixture::reload() {
  if (process_) process_->send_signal(SIGHUP);
}

int BrokerFixture::stop() {
  if (!process_) return 0;
  return process_->stop();
}

std::optional<int> BrokerFixture::wait_for_exit(std::chrono::milliseconds timeout) {
  if (!process_) return std::nullopt;
  return process_->wait_for_exit(timeout);
}

bool BrokerFixture::running() {
  return process_ && process_->running();
}

std::string BrokerFixture::log() const {
  std::string text = file_exists(output_path_) ? read_file(output_path_) : std::string();
  if (file_exists(log_path_)) text += read_file(log_path_);
  return text;
}

std::size_t BrokerFixture::log_count(const std::string& text) const {
  const std::string all = log();
  std::size_t count = 0;
  for (std::size_t at = all.find(text); at != std::string::npos; at = all.find(text, at + 1)) {
    ++count;
  }
  return count;
}

bool BrokerFixture::wait_for_log(const std::string& text, std::chrono::milliseconds timeout,
                                 std::size_t occurrences) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  do {
    if (log_count(text) >= occurrences) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (std::chrono::steady_clock::now() < deadline);
  return false;
}

}  // namespace certacl::test
