#include "provision/ca_cli.h"

#include <fmt/format.h>

#include <cctype>
#include <stdexcept>

namespace certacl::sim {
namespace {

constexpr auto kCommandTimeout = std::chrono::seconds(60);

std::string first_line(const std::string& text) {
  const auto end = text.find('\n');
  return end == std::string::npos ? text : text.substr(0, end);
}

}  // namespace

CertificateAuthorityCli::CertificateAuthorityCli(std::string binary, std::string database)
    : binary_(std::move(binary)), database_(std::move(database)) {}

SubprocessResult CertificateAuthorityCli::run(const std::vector<std::string>& arguments) {
  std::vector<std::string> argv{binary_, "--db", database_};
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  auto result = run_subprocess(argv, kCommandTimeout);
  if (result.exit_code != 0) {
    std::string command;
    for (const auto& argument : arguments) command += (command.empty() ? "" : " ") + argument;
    const std::string reason = result.timed_out     ? "timed out"
                               : result.err.empty() ? fmt::format("exit code {}", result.exit_code)
                                                    : first_line(result.err);
    throw std::runtime_error(fmt::format("certacl-ca {} failed: {}", command, reason));
  }
  return result;
}

void CertificateAuthorityCli::add_role(const std::string& role) {
  run({"role", "add", role});
}

void CertificateAuthorityCli::add_rule(const std::string& role, const std::string& effect,
                                       const std::string& action, const std::string& pattern) {
  run({"role", effect, role, action, pattern});
}

void CertificateAuthorityCli::add_device(const std::string& device, const std::string& role) {
  run({"device", "add", device, "--role", role});
}

void CertificateAuthorityCli::disable_device(const std::string& device) {
  run({"device", "disable", device});
}

std::string CertificateAuthorityCli::enroll(const EnrollRequest& request) {
  std::vector<std::string> arguments{"enroll",        request.device, "--key-out",
                                     request.key_out, "--cert-out",   request.cert_out};
  if (request.days > 0) {
    arguments.insert(arguments.end(), {"--days", std::to_string(request.days)});
  }
  if (request.backdate_days > 0) {
    arguments.insert(arguments.end(), {"--backdate-days", std::to_string(request.backdate_days)});
  }
  const auto result = run(arguments);
  auto serial = parse_serial(result.out);
  if (serial.empty()) {
    throw std::runtime_error(
        fmt::format("certacl-ca enroll {} printed no serial=<HEX> line", request.device));
  }
  return serial;
}

std::string CertificateAuthorityCli::create_token(const std::string& device,
                                                  const std::string& ttl) {
  const auto result = run({"device", "token", device, "--ttl", ttl});
  const std::size_t at = result.out.find("token=");
  if (at == std::string::npos) {
    throw std::runtime_error(fmt::format("certacl-ca device token {} printed no token", device));
  }
  return result.out.substr(at + 6, result.out.find('\n', at) - at - 6);
}

void CertificateAuthorityCli::revoke_serial(const std::string& serial) {
  run({"revoke", serial});
}

void CertificateAuthorityCli::write_crl(const std::string& path) {
  run({"crl", "--out", path});
}

std::string parse_serial(const std::string& output) {
  const auto at = output.find("serial=");
  if (at == std::string::npos) return {};
  std::string serial;
  for (auto i = at + 7; i < output.size() && std::isxdigit(static_cast<unsigned char>(output[i]));
       ++i) {
    serial.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(output[i]))));
  }
  return serial;
}

}  // namespace certacl::sim
