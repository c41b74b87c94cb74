#include "certacl_test/ca_fixture.h"

#include <gtest/gtest.h>

#include <sstream>

#include "certacl_test/paths.h"

namespace certacl::test {
namespace {

std::string describe(const std::vector<std::string>& argv, const CommandResult& result) {
  std::ostringstream text;
  for (const std::string& argument : argv) text << argument << ' ';
  text << "\n  exit=" << result.exit_code << " signal=" << result.signal
       << (result.timed_out ? " (timed out)" : "") << "\n  stdout: " << result.out
       << "\n  stderr: " << result.err;
  return text.str();
}

std::string parse_serial(const std::string& out) {
  const std::size_t at = out.find("serial=");
  if (at == std::string::npos) return {};
  std::size_t end = at + 7;
  while (end < out.size() && std::isxdigit(static_cast<unsigned char>(out[end])) != 0) ++end;
  return out.substr(at + 7, end - at - 7);
}

}  // namespace

CaFixture::CaFixture(const std::string& name)
    : db_path_(dir_.file("registry.db")),
      ca_key_path_(dir_.file("ca-key.pem")),
      ca_cert_path_(dir_.file("ca.pem")),
      server_cert_path_(dir_.file("server.pem")),
      server_key_path_(dir_.file("server-key.pem")) {
  run({"init", "--name", name, "--key-file", ca_key_path_});
  run({"ca-cert", "--out", ca_cert_path_});
  run({"server-cert", "--cn", "localhost", "--san", "DNS:localhost,IP:127.0.0.1", "--cert-out",
       server_cert_path_, "--key-out", server_key_path_});
}

CommandResult CaFixture::try_run(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {ca_binary(), "--db", db_path_};
  argv.insert(argv.end(), args.begin(), args.end());
  CommandOptions options;
  options.timeout = std::chrono::seconds(30);
  return run_command(argv, options);
}

CommandResult CaFixture::run(const std::vector<std::string>& args) {
  CommandResult result = try_run(args);
  if (result.exit_code != 0) {
    std::vector<std::string> argv = {"certacl-ca", "--db", db_path_};
    argv.insert(argv.end(), args.begin(), args.end());
    ADD_FAILURE() << "certacl-ca failed: " << describe(argv, result);
  }
  return result;
}

void CaFixture::add_role(const std::string& role) {
  run({"role", "add", role});
}

void CaFixture::allow(const std::string& role, const std::string& action,
                      const std::string& pattern) {
  run({"role", "allow", role, action, pattern});
}

void CaFixture::deny(const std::string& role, const std::string& action,
                     const std::string& pattern) {
  run({"role", "deny", role, action, pattern});
}

void CaFixture::add_device(const std::string& name, const std::string& role,
                           const std::vector<std::string>& extra_args) {
  std::vector<std::string> args = {"device", "add", name, "--role", role};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  run(args);
}

IssuedCertificate CaFixture::enroll(const std::string& device,
                                    const std::vector<std::string>& extra_args) {
  const std::string label = device + "-" + std::to_string(++issued_);
  IssuedCertificate issued{dir_.file(label + "-key.pem"), dir_.file(label + ".pem"), {}};
  std::vector<std::string> args = {"enroll",        device,       "--key-out",
                                   issued.key_path, "--cert-out", issued.cert_path};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  const CommandResult result = run(args);
  issued.serial = parse_serial(result.out);
  if (result.exit_code == 0 && issued.serial.empty()) {
    ADD_FAILURE() << "certacl-ca enroll printed no serial=: " << result.out;
  }
  return issued;
}

void CaFixture::revoke(const std::string& serial) {
  run({"revoke", serial});
}
void CaFixture::revoke_device(const std::string& device) {
  run({"revoke", "--device", device});
}
void CaFixture::disable(const std::string& device) {
  run({"device", "disable", device});
}
void CaFixture::enable(const std::string& device) {
  run({"device", "enable", device});
}

std::string CaFixture::write_crl() {
  const std::string path = dir_.file("crl.pem");
  run({"crl", "--out", path});
  return path;
}

IssuedCertificate CaFixture::sign_unrecorded(const std::string& label, const std::string& subject,
                                             int days) {
  IssuedCertificate issued{dir_.file(label + "-key.pem"), dir_.file(label + ".pem"), {}};
  const std::string csr = dir_.file(label + ".csr");
  const std::vector<std::vector<std::string>> steps = {
      {"openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
       "-keyout", issued.key_path, "-out", csr, "-subj", subject},
      {"openssl", "x509", "-req", "-in", csr, "-CA", ca_cert_path_, "-CAkey", ca_key_path_,
       "-CAcreateserial", "-days", std::to_string(days), "-out", issued.cert_path}};
  for (const auto& argv : steps) {
    const CommandResult result = run_command(argv);
    if (result.exit_code != 0) ADD_FAILURE() << "openssl failed: " << describe(argv, result);
  }
  const CommandResult serial =
      run_command({"openssl", "x509", "-in", issued.cert_path, "-noout", "-serial"});
  issued.serial = parse_serial(serial.out);
  return issued;
}

}  // namespace certacl::test
