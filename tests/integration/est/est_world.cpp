#include "est_world.h"

#include <algorithm>
#include <fstream>

#include "certacl_test/files.h"
#include "certacl_test/paths.h"

namespace certacl::test {
namespace {

int parse_status(const std::string& headers) {
  // The last status line wins (curl may see several responses on one exchange).
  int status = 0;
  std::size_t at = 0;
  while ((at = headers.find("HTTP/", at)) != std::string::npos) {
    const std::size_t space = headers.find(' ', at);
    if (space == std::string::npos) break;
    status = std::atoi(headers.c_str() + space + 1);
    at = space;
  }
  return status;
}

}  // namespace

bool HttpAnswer::has_header(const std::string& name_and_value_prefix) const {
  return headers.find(name_and_value_prefix) != std::string::npos;
}

void EstWorld::SetUp() {
  ca_ = std::make_unique<CaFixture>("certacl EST test CA");
  ca_->add_role("sensors");
  ca_->allow("sensors", "publish", "fleet/%u/#");
  ca_->add_device("dev1", "sensors");
  ca_->add_device("dev2", "sensors");
}

void EstWorld::TearDown() {
  server_.reset();
}

void EstWorld::start_server(const std::vector<std::string>& extra) {
  port_ = free_loopback_port();
  std::vector<std::string> argv = {
      ca_binary(),           "--db",   ca_->db_path(),          "serve", "--port",
      std::to_string(port_), "--cert", ca_->server_cert_path(), "--key", ca_->server_key_path()};
  argv.insert(argv.end(), extra.begin(), extra.end());
  if (std::find(extra.begin(), extra.end(), "--lifetime") == extra.end()) {
    argv.insert(argv.end(), {"--lifetime", "10m"});
  }
  server_ = std::make_unique<ScopedProcess>(argv, ca_->dir().file("serve.log"));
  ASSERT_TRUE(wait_for_port(port_, 10000)) << server_log();
}

std::string EstWorld::server_log() const {
  const std::string path = ca_->dir().file("serve.log");
  return file_exists(path) ? read_file(path) : std::string{};
}

std::string EstWorld::url(const std::string& operation) const {
  return "https://localhost:" + std::to_string(port_) + "/.well-known/est/" + operation;
}

std::string EstWorld::token(const std::string& device, const std::string& ttl) {
  const CommandResult result = ca_->run({"device", "token", device, "--ttl", ttl});
  const std::size_t at = result.out.find("token=");
  if (at == std::string::npos) return {};
  return result.out.substr(at + 6, result.out.find('\n', at) - at - 6);
}

std::string EstWorld::key_of(const std::string& label) const {
  return ca_->dir().file(label + ".key");
}

std::string EstWorld::make_csr(const std::string& label, const std::string& subject) {
  const std::string csr = ca_->dir().file(label + ".csr.b64");
  const CommandResult result = run_command(
      {"bash", "-c",
       "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout '" +
           key_of(label) + "' -subj '" + subject + "' -outform DER | base64 > '" + csr + "'"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  return csr;
}

std::string EstWorld::make_csr_for_key(const std::string& label, const std::string& key_file,
                                       const std::string& subject) {
  const std::string csr = ca_->dir().file(label + ".csr.b64");
  const CommandResult result =
      run_command({"bash", "-c",
                   "openssl req -new -key '" + key_file + "' -subj '" + subject +
                       "' -outform DER | base64 > '" + csr + "'"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  return csr;
}

BrokerSettings EstWorld::broker_settings() const {
  BrokerSettings settings;
  settings.cafile = ca_->ca_cert_path();
  settings.certfile = ca_->server_cert_path();
  settings.keyfile = ca_->server_key_path();
  settings.db_path = ca_->db_path();
  settings.plugin_options = {{"log_level", "debug"}, {"poll_interval_ms", "20"}};
  return settings;
}

HttpAnswer EstWorld::curl(const std::vector<std::string>& args) {
  const std::string headers = ca_->dir().file("curl.headers");
  const std::string body = ca_->dir().file("curl.body");
  std::remove(headers.c_str());
  std::remove(body.c_str());
  std::vector<std::string> argv = {
      "curl", "-sS",   "--max-time", "20", "--cacert", ca_->ca_cert_path(),
      "-D",   headers, "-o",         body};
  argv.insert(argv.end(), args.begin(), args.end());
  CommandOptions options;
  options.timeout = std::chrono::seconds(30);
  const CommandResult result = run_command(argv, options);
  HttpAnswer answer;
  answer.headers = file_exists(headers) ? read_file(headers) : std::string{};
  answer.body = file_exists(body) ? read_file(body) : std::string{};
  answer.status = parse_status(answer.headers);
  answer.curl_error = result.err;
  return answer;
}

HttpAnswer EstWorld::enroll(const std::string& user, const std::string& password,
                            const std::string& csr_file, const std::string& content_type) {
  return curl({"--user", user + ":" + password, "--data-binary", "@" + csr_file, "-H",
               "Content-Type: " + content_type, url("simpleenroll")});
}

HttpAnswer EstWorld::reenroll(const std::string& cert_file, const std::string& key_file,
                              const std::string& csr_file) {
  return curl({"--cert", cert_file, "--key", key_file, "--data-binary", "@" + csr_file, "-H",
               "Content-Type: application/pkcs10", url("simplereenroll")});
}

std::string EstWorld::certificate_file(const HttpAnswer& answer, const std::string& label) {
  const std::string b64 = ca_->dir().file(label + ".p7.b64");
  const std::string pem = ca_->dir().file(label + ".pem");
  write_file(b64, answer.body);
  const CommandResult result = run_command(
      {"bash", "-c",
       "base64 -d < '" + b64 + "' | openssl pkcs7 -inform DER -print_certs > '" + pem + "'"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  return pem;
}

std::string EstWorld::serial_of(const std::string& cert_file) {
  const CommandResult result =
      run_command({"openssl", "x509", "-noout", "-serial", "-in", cert_file});
  const std::size_t at = result.out.find('=');
  if (at == std::string::npos) return {};
  std::string serial = result.out.substr(at + 1);
  while (!serial.empty() && (serial.back() == '\n' || serial.back() == '\r')) serial.pop_back();
  return serial;
}

std::string EstWorld::enrolled(const std::string& device, const std::string& label) {
  const std::string csr = make_csr(label, "/CN=" + device);
  const HttpAnswer answer = enroll(device, token(device), csr);
  EXPECT_EQ(answer.status, 200) << answer.body << answer.curl_error << server_log();
  return certificate_file(answer, label);
}

std::string EstWorld::audit(const std::string& device) {
  return ca_->run({"audit", "--device", device}).out;
}

}  // namespace certacl::test
