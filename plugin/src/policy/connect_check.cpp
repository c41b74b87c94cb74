#include "connect_check.h"

#include <span>

#include "certacl/identity.h"
#include "client_id_ownership.h"

namespace certacl::policy {
namespace {

struct IdentityResult {
  Reason failure = Reason::kAllowed;
  const RegisteredDevice* device = nullptr;
  std::string claimed;  // what the certificate says, for the log when lookup fails
};

IdentityResult identify(const PresentedCertificate& certificate, const RegistrySnapshot& registry,
                        IdentitySource source) {
  IdentityResult result;
  if (source == IdentitySource::kCommonName) {
    if (certificate.common_names.size() != 1) {
      result.failure = Reason::kIdentityAmbiguous;
      return result;
    }
    result.claimed = certificate.common_names.front();
    if (!device_name_problem(result.claimed).empty()) {
      result.failure = Reason::kIdentityInvalid;
      return result;
    }
    result.device = registry.find_device(result.claimed);
  } else {
    const std::vector<std::string>& sans =
        source == IdentitySource::kSanUri ? certificate.san_uri : certificate.san_dns;
    if (sans.size() != 1) {
      result.failure = Reason::kIdentityAmbiguous;
      return result;
    }
    result.claimed = sans.front();
    // A URI legitimately holds '/'; the device name it maps to is what reaches topics.
    const std::string_view problem = source == IdentitySource::kSanUri
                                         ? san_uri_problem(result.claimed)
                                         : san_dns_problem(result.claimed);
    if (!problem.empty()) {
      result.failure = Reason::kIdentityInvalid;
      return result;
    }
    result.device = source == IdentitySource::kSanUri
                        ? registry.find_device_by_san_uri(result.claimed)
                        : registry.find_device_by_san_dns(result.claimed);
    if (result.device && !device_name_problem(result.device->name()).empty()) {
      result.failure = Reason::kIdentityInvalid;
      return result;
    }
  }
  if (result.device == nullptr) result.failure = Reason::kUnknownDevice;
  return result;
}

// The registration of the certificate `own` of `device` (nullptr: removed), or why not:
// `own` is nullptr when the serial is not among the device's certificates, and
// `recorded_for_another` says whether another holds it (serials are unique). Order matters:
// it decides the reason logged.
Decision registration_verdict(const RegisteredCertificate* own, bool recorded_for_another,
                              const RegisteredDevice* device, std::int64_t now) {
  if (own == nullptr) {
    return Decision::deny(recorded_for_another ? Reason::kCertificateOfOtherDevice
                                               : Reason::kUnknownCertificate);
  }
  if (own->revoked()) return Decision::deny(Reason::kCertificateRevoked);
  if (now < own->not_before()) return Decision::deny(Reason::kCertificateNotYetValid);
  if (now > own->not_after()) return Decision::deny(Reason::kCertificateExpired);
  if (device == nullptr) return Decision::deny(Reason::kUnknownDevice);
  if (!device->enabled()) return Decision::deny(Reason::kDeviceDisabled);
  return Decision::allow();
}

}  // namespace

std::string_view to_string(IdentitySource source) noexcept {
  switch (source) {
    case IdentitySource::kCommonName:
      return "cn";
    case IdentitySource::kSanUri:
      return "san-uri";
    case IdentitySource::kSanDns:
      return "san-dns";
  }
  return "unknown";
}

std::string_view to_string(OtherListeners other) noexcept {
  return other == OtherListeners::kDefer ? "defer" : "refuse";
}

ClientIdRule effective_client_id_rule(const ConnectPolicy& policy, const RegistrySnapshot& registry,
                                      std::string_view role) noexcept {
  if (policy.client_id_rule != ClientIdRule::kExact) return policy.client_id_rule;
  return registry.client_id_rule_of_role(role) == RoleClientIdRule::kPrefix ? ClientIdRule::kPrefix
                                                                            : ClientIdRule::kExact;
}

Reason client_id_verdict(std::string_view client_id, const RegisteredDevice& device,
                         const RegistrySnapshot& registry, const ConnectPolicy& policy) noexcept {
  // Checked under every rule: the client id is substituted for %c.
  if (!client_id_problem(client_id).empty()) return Reason::kClientIdInvalid;
  switch (effective_client_id_rule(policy, registry, device.role())) {
    case ClientIdRule::kExact:
      return client_id == device.name() ? Reason::kAllowed : Reason::kClientIdMismatch;
    case ClientIdRule::kPrefix:
      return prefix_client_id_of(client_id, device.name(), registry) ? Reason::kAllowed
                                                                     : Reason::kClientIdMismatch;
    case ClientIdRule::kAny: {
      // Any id, except one that belongs to another registered device.
      const RegisteredDevice* owner = client_id_owner(client_id, registry);
      return owner == nullptr || owner->name() == device.name() ? Reason::kAllowed
                                                                : Reason::kClientIdMismatch;
    }
  }
  return Reason::kClientIdMismatch;
}

Reason deferred_client_verdict(std::string_view client_id, std::string_view username,
                               const RegistrySnapshot& registry) noexcept {
  if (client_id_owner(client_id, registry) != nullptr) return Reason::kDeviceNamespace;
  // A removed device's certificates stay in the registry as history: what it left behind (a
  // will, a queue, a retained message) carries its name and must stay certacl's, denied.
  if (!username.empty() &&
      (registry.find_device(username) != nullptr || !registry.certificates_of(username).empty())) {
    return Reason::kDeviceNamespace;
  }
  return Reason::kAllowed;
}

std::string_view to_string(ClientIdRule rule) noexcept {
  switch (rule) {
    case ClientIdRule::kExact:
      return "exact";
    case ClientIdRule::kPrefix:
      return "prefix";
    case ClientIdRule::kAny:
      return "any";
  }
  return "unknown";
}

Decision recheck_registration(std::string_view device_name, std::string_view serial,
                              const RegistrySnapshot& registry, std::int64_t now) {
  const RegisteredDevice* known = registry.find_name(device_name);
  SerialKey key;
  const RegisteredCertificate* own =
      known && SerialKey::pack(serial, key) ? known->certificate_with(key) : nullptr;
  return registration_verdict(own, own == nullptr && registry.find_certificate(serial),
                              known && known->registered() ? known : nullptr, now);
}

Decision device_standing(std::string_view device_name, const RegistrySnapshot& registry,
                         std::int64_t now) {
  const RegisteredDevice* device = registry.find_device(device_name);
  if (device == nullptr) return Decision::deny(Reason::kUnknownDevice);
  if (!device->enabled()) return Decision::deny(Reason::kDeviceDisabled);
  for (const RegisteredCertificate& record : registry.certificates_of(device_name)) {
    if (!record.revoked() && now >= record.not_before() && now <= record.not_after()) {
      return Decision::allow();
    }
  }
  return Decision::deny(Reason::kNoValidCertificate);
}

ConnectVerdict check_connect(const PresentedCertificate* certificate, bool certificate_present,
                             std::string_view client_id, const RegistrySnapshot& registry,
                             const ConnectPolicy& policy, std::int64_t now) {
  ConnectVerdict verdict;
  if (certificate == nullptr) {
    verdict.decision = Decision::deny(certificate_present ? Reason::kMalformedCertificate
                                                          : Reason::kNoCertificate);
    return verdict;
  }
  verdict.serial = certificate->serial;

  const IdentityResult identity = identify(*certificate, registry, policy.identity_source);
  verdict.device = identity.device ? identity.device->name() : identity.claimed;
  if (identity.failure != Reason::kAllowed || identity.device == nullptr) {
    verdict.decision = Decision::deny(identity.failure != Reason::kAllowed
                                          ? identity.failure
                                          : Reason::kUnknownDevice);  // identify() sets it so
    return verdict;
  }

  // The presented certificate must be the very one the CA recorded: same serial, same
  // issuer, same bytes. A certificate signed with a stolen CA key fails here. The device's
  // own certificates are looked at first: almost always the serial is among them.
  SerialKey serial;
  const RegisteredCertificate* own = SerialKey::pack(certificate->serial, serial)
                                         ? identity.device->certificate_with(serial)
                                         : nullptr;
  const RegisteredCertificate* record = own ? own : registry.find_certificate(certificate->serial);
  if (record == nullptr) {
    verdict.decision = Decision::deny(Reason::kUnknownCertificate);
    return verdict;
  }
  if (!record->fingerprint_is(certificate->sha256)) {
    verdict.decision = Decision::deny(Reason::kFingerprintMismatch);
    return verdict;
  }
  if (record->issuer() != certificate->issuer) {
    verdict.decision = Decision::deny(Reason::kIssuerMismatch);
    return verdict;
  }
  const Decision registration = registration_verdict(own, own == nullptr, identity.device, now);
  if (!registration.allowed()) {
    verdict.decision = registration;
    return verdict;
  }

  const Reason client_id_reason = client_id_verdict(client_id, *identity.device, registry, policy);
  if (client_id_reason != Reason::kAllowed) {
    verdict.decision = Decision::deny(client_id_reason);
    return verdict;
  }
  verdict.decision = Decision::allow();
  verdict.role = identity.device->role();
  verdict.not_after = record->not_after();
  return verdict;
}

}  // namespace certacl::policy
