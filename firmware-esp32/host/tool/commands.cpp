#include "commands.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include "certacl_fw/console.h"
#include "certacl_fw/console_provisioning.h"
#include "certacl_fw/device_connection.h"
#include "certacl_fw/provisioning.h"
#include "certacl_fw/provisioning_console.h"
#include "certacl_fw/random.h"
#include "certacl_fw_host/file_credential_store.h"
#include "certacl_fw_host/host_entropy.h"

namespace certacl::fw::tool {
namespace {

constexpr std::size_t kMaxInputFileBytes = 64 * 1024;

Result<std::string> read_text_file(const std::string& path, std::string_view what) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return Status::failure("cannot open " + std::string(what) + " '" + path + "'");
  std::string contents;
  char buffer[4096];
  while (file.read(buffer, sizeof(buffer)) || file.gcount() > 0) {
    contents.append(buffer, static_cast<std::size_t>(file.gcount()));
    if (contents.size() > kMaxInputFileBytes) {
      return Status::failure(std::string(what) + " '" + path + "' is too large");
    }
  }
  return contents;
}

// The device certificate pasted on stdin, read with the console protocol's own parser.
// The CA certificate is optional: an empty path means the one the device already stores.
Result<std::string> read_optional_ca(const std::string& ca_path) {
  if (ca_path.empty()) return std::string();
  return read_text_file(ca_path, "CA certificate");
}

Result<std::string> certificate_from_stdin() {
  StdioConsole console(stdin, stdout);
  CertificateCollector collector(1);
  for (int count = 0; count < 512; ++count) {
    auto line = console.read_line(CertificateCollector::kMaxLineBytes + 2);
    if (!line || collector.feed(*line) != CertificateCollector::State::collecting) break;
  }
  if (collector.state() == CertificateCollector::State::failed) {
    return Status::failure("cannot read the pasted certificate: " + collector.error());
  }
  if (collector.state() != CertificateCollector::State::complete) {
    return Status::failure("no PEM certificate was pasted on stdin");
  }
  return collector.certificates().front();
}

TlsEndpoint endpoint_of(const BrokerOptions& broker) {
  return TlsEndpoint{broker.host, broker.port, broker.server_name,
                     std::chrono::milliseconds(broker.timeout_ms)};
}

}  // namespace

std::unique_ptr<DeviceConnection> connect_device(Device& device, const BrokerOptions& broker,
                                                 int* exit_code) {
  Provisioner provisioner(device.store, *device.random);
  auto credentials = provisioner.load_credentials();
  if (!credentials) {
    *exit_code = report(kExitInvalid, credentials.error());
    return nullptr;
  }
  MqttSettings settings;
  settings.response_timeout = std::chrono::milliseconds(broker.timeout_ms);
  std::uint8_t refused = 0;
  auto connection =
      DeviceConnection::open(std::make_unique<BsdSocket>(), endpoint_of(broker),
                             std::move(credentials.value()), settings, *device.random, &refused);
  if (!connection) {
    *exit_code = report(refused != 0 ? kExitRefused : kExitUnreachable, connection.error());
    return nullptr;
  }
  return std::move(connection.value());
}

int report(int exit_code, const std::string& message) {
  std::cerr << "certacl-device: " << message << "\n";
  return exit_code;
}

Status Device::start() {
  auto created = Random::create(host::kernel_entropy, nullptr, "certacl-device");
  if (!created) return created.status();
  random = std::move(created.value());
  return Status::success();
}

int keygen(const std::string& directory, const std::string& name, bool replace) {
  Device device(directory);
  if (auto started = device.start(); !started) return report(kExitInvalid, started.error());
  Provisioner provisioner(device.store, *device.random);
  if (auto created = provisioner.create_identity(name, replace); !created) {
    return report(kExitInvalid, "cannot create the key for '" + name + "': " + created.error());
  }
  std::cout << "key=" << device.store.path_of(CredentialItem::device_key) << "\n";
  return kExitOk;
}

int csr(const std::string& directory, const std::string& out_path) {
  Device device(directory);
  if (auto started = device.start(); !started) return report(kExitInvalid, started.error());
  Provisioner provisioner(device.store, *device.random);
  auto request = provisioner.certificate_request();
  if (!request) return report(kExitInvalid, "cannot make the CSR: " + request.error());
  if (out_path.empty()) {
    auto name = device.store.load(CredentialItem::device_name);
    const std::string device_name = name && name.value() ? *name.value() : std::string();
    StdioConsole console(stdin, stdout);
    auto lines = csr_announcement(device_name, request.value(), 1);
    lines.pop_back();  // the CERT-WAIT line: this command does not wait; install-cert takes it
    for (const auto& line : lines) console.write_line(line);
    return kExitOk;
  }
  std::ofstream out(out_path, std::ios::binary | std::ios::trunc);
  if (!(out << request.value()) || !out.flush()) {
    return report(kExitInvalid, "cannot write the CSR to '" + out_path + "'");
  }
  return kExitOk;
}

int install_certificate(const std::string& directory, const std::string& certificate_path,
                        const std::string& ca_path) {
  Device device(directory);
  if (auto started = device.start(); !started) return report(kExitInvalid, started.error());
  auto certificate = certificate_path == "-" ? certificate_from_stdin()
                                             : read_text_file(certificate_path, "certificate");
  if (!certificate) return report(kExitInvalid, certificate.error());
  auto ca = read_optional_ca(ca_path);
  if (!ca) return report(kExitInvalid, ca.error());
  Provisioner provisioner(device.store, *device.random);
  if (auto installed = provisioner.install_certificate(certificate.value(), ca.value());
      !installed) {
    return report(kExitInvalid, installed.error());
  }
  std::cout << "certificate=" << device.store.path_of(CredentialItem::device_certificate) << "\n";
  return kExitOk;
}

int provision(const std::string& directory, const std::string& name, const std::string& ca_path,
              bool replace) {
  Device device(directory);
  if (auto started = device.start(); !started) return report(kExitInvalid, started.error());
  auto ca = read_optional_ca(ca_path);
  if (!ca) return report(kExitInvalid, ca.error());
  Provisioner provisioner(device.store, *device.random);
  StdioConsole console(stdin, stdout);
  ConsoleProvisioningOptions options;
  options.built_in_ca_certificate_pem = ca.value();
  options.replace_key = replace;
  if (auto done = provision_over_console(provisioner, console, name, options); !done) {
    return report(kExitInvalid, "provisioning '" + name + "' failed: " + done.error());
  }
  return kExitOk;
}

int publish(const std::string& directory, const BrokerOptions& broker, const std::string& topic,
            const std::string& message, int qos, int count) {
  Device device(directory);
  if (auto started = device.start(); !started) return report(kExitInvalid, started.error());
  int exit_code = kExitOk;
  auto connection = connect_device(device, broker, &exit_code);
  if (!connection) return exit_code;
  for (int sent = 0; sent < count; ++sent) {
    if (auto published = connection->mqtt().publish(topic, message, qos); !published) {
      return report(kExitMqtt, "cannot publish to '" + topic + "': " + published.error());
    }
  }
  connection->close();
  std::cout << "published=" << count << "\n";
  return kExitOk;
}

int subscribe(const std::string& directory, const BrokerOptions& broker, const std::string& filter,
              int qos, int count) {
  Device device(directory);
  if (auto started = device.start(); !started) return report(kExitInvalid, started.error());
  int exit_code = kExitOk;
  auto connection = connect_device(device, broker, &exit_code);
  if (!connection) return exit_code;
  auto granted = connection->mqtt().subscribe(filter, qos);
  if (!granted) return report(kExitMqtt, granted.error());
  std::cout << "subscribed=" << filter << "\n" << std::flush;
  for (int received = 0; received < count; ++received) {
    auto message = connection->mqtt().receive(std::chrono::milliseconds(broker.timeout_ms));
    if (!message) return report(kExitMqtt, message.error());
    if (!message.value()) {
      return report(kExitMqtt, "no message on '" + filter + "' within " +
                                   std::to_string(broker.timeout_ms) + " ms");
    }
    std::cout << message.value()->topic << " " << message.value()->payload << "\n" << std::flush;
  }
  connection->close();
  return kExitOk;
}

}  // namespace certacl::fw::tool
