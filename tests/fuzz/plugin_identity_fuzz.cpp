// Arbitrary DER certificates through the plugin's own identity extraction and connect
// decision (plugin/src/policy: read_presented_certificate, check_connect), under every
// identity source and client-id rule. The registry knows the device every seed names,
// but no certificate record can match a fuzzed certificate's fingerprint, so any
// "allow" is a forged identity getting in: abort.

#include <openssl/x509.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "certacl/certificate_facts.h"
#include "certacl/openssl_handles.h"
#include "connect_check.h"
#include "presented_certificate.h"
#include "registry_snapshot.h"

namespace {

std::shared_ptr<const certacl::policy::RegistrySnapshot> make_registry() {
  certacl::RegistryContents contents;
  contents.change_counter = 1;
  certacl::Device device;
  device.name = "sensor-1";
  device.role = "sensor";
  device.enabled = true;
  device.san_dns = "sensor-1.factory.example";
  device.san_uri = "urn:certacl:device:sensor-1";
  contents.devices.push_back(device);
  // Serials a fuzzer reaches easily; the fingerprint is one no DER input hashes to.
  for (const char* serial : {"01", "1000", "00", "0"}) {
    certacl::CertificateRecord record;
    record.serial = serial;
    record.device = "sensor-1";
    record.subject = "CN=sensor-1";
    record.issuer = "CN=certacl test CA";
    record.not_before = 0;
    record.not_after = 4102444800;  // 2100-01-01
    record.sha256 = std::string(64, 'z');
    contents.device_certificates.push_back(record);
  }
  return certacl::policy::RegistrySnapshot::build(std::move(contents), 1700000000);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto registry = make_registry();
  const certacl::X509Ptr certificate =
      certacl::parse_certificate_der(std::string_view(reinterpret_cast<const char*>(data), size));
  const auto facts =
      certificate ? certacl::policy::read_presented_certificate(certificate.get()) : std::nullopt;
  (void)certacl::take_openssl_errors();

  using certacl::policy::ClientIdRule;
  using certacl::policy::IdentitySource;
  for (const IdentitySource source :
       {IdentitySource::kCommonName, IdentitySource::kSanUri, IdentitySource::kSanDns}) {
    for (const ClientIdRule rule :
         {ClientIdRule::kExact, ClientIdRule::kPrefix, ClientIdRule::kAny}) {
      const certacl::policy::ConnectPolicy policy{source, rule};
      for (const std::string_view client_id : {"sensor-1", "sensor-1-a", ""}) {
        const auto verdict =
            certacl::policy::check_connect(facts ? &*facts : nullptr, certificate != nullptr,
                                           client_id, *registry, policy, 1700000000);
        if (verdict.decision.allowed()) std::abort();
        (void)certacl::policy::printable(verdict.device);
      }
    }
  }
  return 0;
}
