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

std::string_view renewal_step_name(RenewalStep step) noexcept {
  switch (step) {
    case RenewalStep::key_stored:
      return "key-stored";
    case RenewalStep::certificate_received:
      return "certificate-received";
    case RenewalStep::certificate_stored:
      return "certificate-stored";
    case RenewalStep::slot_switched:
      return "slot-switched";
  }
  return "unknown";
}

int Provisioner::active_slot() {
  auto stored = store_.load(CredentialItem::active_slot);
  // Missing (a device provisioned before slots existed) or unreadable: slot 0, and
  // load_credentials() still falls back to slot 1 if slot 0 is unusable.
  if (!stored || !stored.value()) return 0;
  return *stored.value() == "1" ? 1 : 0;
}

Result<DeviceCredentials> Provisioner::load_slot(int slot) {
  constexpr std::string_view kHint = "provision the device first";
  auto name = load_required(CredentialItem::device_name, kHint);
  if (!name) return name.status();
  auto key_pem = load_required(key_item(slot), kHint);
  if (!key_pem) return key_pem.status();
  auto certificate = load_required(certificate_item(slot), kHint);
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
                           std::move(certificate.value()), std::move(ca.value()), slot};
}

Result<DeviceCredentials> Provisioner::load_credentials() {
  const int active = active_slot();
  auto credentials = load_slot(active);
  if (credentials) return credentials;
  // Only reached if the active slot broke after it was switched to: never use a slot
  // that does not verify, but do use the other one when it does.
  if (auto other = load_slot(1 - active)) return other;
  return credentials;
}

Status Provisioner::enroll(EstClient& est, std::string_view name, std::string_view token) {
  if (token.empty()) return Status::failure("no enrollment token: give the one-time token");
  if (auto created = create_identity(name); !created) return created;
  auto csr = certificate_request();
  if (!csr) return csr.status();
  auto certificate =
      est.simple_enroll(csr.value(), BasicAuth{std::string(name), std::string(token)});
  if (!certificate) return certificate.status();
  if (auto installed = install_certificate(certificate.value(), {}); !installed) return installed;
  return store_.save(CredentialItem::active_slot, "0");
}

Status Provisioner::renew(EstClient& est, bool rotate_key, const RenewalObserver& observer) {
  auto notify = [&observer](RenewalStep step) {
    if (observer) observer(step);
  };
  auto current = load_credentials();
  if (!current) return Status::failure("cannot renew: " + current.error());
  const int target = 1 - current.value().slot;

  std::string key_pem;
  if (rotate_key) {
    auto key = DeviceKey::generate(random_);
    if (!key) return key.status();
    auto pem = key.value().private_key_pem();
    if (!pem) return pem.status();
    key_pem = std::move(pem.value());
  } else {
    auto pem = current.value().key.private_key_pem();
    if (!pem) return pem.status();
    key_pem = std::move(pem.value());
  }
  if (auto saved = store_.save(key_item(target), key_pem); !saved) return saved;
  notify(RenewalStep::key_stored);

  auto key = DeviceKey::from_pem(key_pem, random_);
  if (!key) return key.status();
  auto csr = make_certificate_request(key.value(), current.value().name, random_);
  if (!csr) return csr.status();
  auto certificate = est.simple_reenroll(csr.value(), current.value());
  if (!certificate) return certificate.status();
  notify(RenewalStep::certificate_received);

  if (auto checked =
          check_device_certificate(certificate.value(), current.value().ca_certificate_pem,
                                   key.value(), current.value().name, random_);
      !checked) {
    return Status::failure("refusing the renewed certificate: " + checked.error());
  }
  if (auto saved = store_.save(certificate_item(target), certificate.value()); !saved) return saved;
  notify(RenewalStep::certificate_stored);

  // Read back what was stored before trusting it: the switch is the single commit point.
  if (auto stored = load_slot(target); !stored) {
    return Status::failure("the renewed credentials did not read back: " + stored.error());
  }
  if (auto saved = store_.save(CredentialItem::active_slot, target == 1 ? "1" : "0"); !saved)
    return saved;
  notify(RenewalStep::slot_switched);
  return Status::success();
}

}  // namespace certacl::fw
