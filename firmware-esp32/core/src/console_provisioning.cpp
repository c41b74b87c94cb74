#include "certacl_fw/console_provisioning.h"

#include <string>

#include "certacl_fw/provisioning_console.h"

namespace certacl::fw {
namespace {

Status answer(Console& console, Status status) {
  if (status) {
    console.write_line(kCertOkMarker);
  } else {
    console.write_line(std::string(kCertErrorMarker) + " " + status.error());
  }
  return status;
}

}  // namespace

Status provision_over_console(Provisioner& provisioner, Console& console,
                              std::string_view device_name,
                              const ConsoleProvisioningOptions& options) {
  if (auto created = provisioner.create_identity(device_name, options.replace_key); !created) {
    return answer(console, created);
  }
  auto csr = provisioner.certificate_request();
  if (!csr) return answer(console, csr.status());

  const bool ca_built_in = !options.built_in_ca_certificate_pem.empty();
  const std::size_t wanted = ca_built_in ? 1 : 2;
  for (const auto& line : csr_announcement(device_name, csr.value(), wanted)) {
    console.write_line(line);
  }

  CertificateCollector collector(wanted);
  for (std::size_t count = 0; count < options.max_input_lines; ++count) {
    auto line = console.read_line(CertificateCollector::kMaxLineBytes + 2);
    if (!line) break;
    if (collector.feed(*line) != CertificateCollector::State::collecting) break;
  }
  if (collector.state() == CertificateCollector::State::failed) {
    return answer(console, Status::failure(collector.error()));
  }
  if (collector.state() != CertificateCollector::State::complete) {
    return answer(console, Status::failure("the console ended before " + std::to_string(wanted) +
                                           " certificate(s) were pasted"));
  }
  const auto& pasted = collector.certificates();
  const std::string_view ca =
      ca_built_in ? options.built_in_ca_certificate_pem : std::string_view(pasted.at(1));
  return answer(console, provisioner.install_certificate(pasted.front(), ca));
}

}  // namespace certacl::fw
