#include "certacl_fw/provisioning.h"

#include <string>

#include "certacl_fw/certificate_check.h"
#include "certacl_fw/certificate_request.h"
#include "certacl_fw/device_name.h"
#include "certacl_fw/x509_chain.h"

namespace certacl::fw {

Result<std::string> Provisioner::load_required(CredentialItem item, std::string_view missing_hint) {
  auto loaded = store_.load(item);
  if (!loaded) return loaded.status();
  if (!loaded.value()) {
    return Status::failure("no " + std::string(item_name(item)) +
                           " stored: " + std::string(missing_hint));
  }
  return std::move(*loaded.value());
}

Status Provisioner::create_identity(std::string_view name, bool replace) {
  if (const auto problem = device_name_problem(name); !problem.empty()) {
    return Status::failure("device name '" + std::string(name) + "' " + std::string(problem));
  }
  auto stored_key = store_.load(CredentialItem::device_key);
  if (!stored_key) return stored_key.status();
  if (stored_key.value() && !replace) {
    auto stored_name = store_.load(CredentialItem::device_name);
    if (!stored_name) return stored_name.status();
    if (stored_name.value() && *stored_name.value() == name) {
      // Same device again: prove the stored key is usable, then keep it.
      return DeviceKey::from_pem(*stored_key.value(), random_).status();
    }
    return Status::failure("this device already has a key for '" +
                           stored_name.value().value_or("?") +
                           "'; replace it explicitly to become '" + std::string(name) + "'");
  }

  auto key = DeviceKey::generate(random_);
  if (!key) return key.status();
  auto pem = key.value().private_key_pem();
  if (!pem) return pem.status();
  if (auto saved = store_.save(CredentialItem::device_key, pem.value()); !saved) return saved;
  return store_.save(CredentialItem::device_name, name);
}

Result<std::string> Provisioner::certificate_request() {
  auto name = load_required(CredentialItem::device_name, "create the device identity first");
  if (!name) return name.status();
  auto pem = load_required(CredentialItem::device_key, "create the device identity first");
  if (!pem) return pem.status();
  auto key = DeviceKey::from_pem(pem.value(), random_);
  if (!key) return key.status();
  return make_certificate_request(key.value(), name.value(), random_);
}

Status Provisioner::install_ca_certificate(std::string_view ca_certificate_pem) {
  X509Chain ca;
  if (auto parsed = ca.parse_pem(ca_certificate_pem, "the CA certificate"); !parsed) return parsed;
  return store_.save(CredentialItem::ca_certificate, ca_certificate_pem);
}

Status Provisioner::install_certificate(std::string_view certificate_pem,
                                        std::string_view ca_certificate_pem) {
  auto name = load_required(CredentialItem::device_name, "create the device identity first");
  if (!name) return name.status();
  auto key_pem = load_required(CredentialItem::device_key, "create the device identity first");
  if (!key_pem) return key_pem.status();
  auto key = DeviceKey::from_pem(key_pem.value(), random_);
  if (!key) return key.status();

  std::string ca_pem(ca_certificate_pem);
  if (ca_pem.empty()) {
    auto stored = load_required(CredentialItem::ca_certificate, "give the CA certificate");
    if (!stored) return stored.status();
    ca_pem = std::move(stored.value());
  }
  if (auto checked =
          check_device_certificate(certificate_pem, ca_pem, key.value(), name.value(), random_);
      !checked) {
    return Status::failure("refusing the certificate: " + checked.error());
  }
  // CA first: a device certificate is never stored beside a CA that did not issue it.
  if (auto saved = store_.save(CredentialItem::ca_certificate, ca_pem); !saved) return saved;
  return store_.save(CredentialItem::device_certificate, certificate_pem);
}

Result<DeviceCredentials> Provisioner::load_credentials() {
  constexpr std::string_view kHint = "provision the device first";
  auto name = load_required(CredentialItem::device_name, kHint);
  if (!name) return name.status();
  auto key_pem = load_required(CredentialItem::device_key, kHint);
  if (!key_pem) return key_pem.status();
  auto certificate = load_required(CredentialItem::device_certificate, kHint);
  if (!certificate) return certificate.status();
  auto ca = load_required(CredentialItem::ca_certificate, kHint);
  if (!ca) return ca.status();
  auto key = DeviceKey::from_pem(key_pem.value(), random_);
  if (!key) return key.status();
  if (auto checked = check_device_certificate(certificate.value(), ca.value(), key.value(),
                                              name.value(), random_);
      !checked) {
    return Status::failure("the stored credentials are unusable: " + checked.error());
  }
  return DeviceCredentials{std::move(name.value()), std::move(key.value()),
                           std::move(certificate.value()), std::move(ca.value())};
}

}  // namespace certacl::fw
