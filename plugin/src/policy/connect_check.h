#pragma once
// The connect-time decision: is this certificate one the CA issued to an enabled device,
// still valid, and does the client id fit the identity? Pure: no broker, no database.

#include <cstdint>
#include <string>
#include <string_view>

#include "decision.h"
#include "log_escape.h"
#include "presented_certificate.h"
#include "registry_snapshot.h"

namespace certacl::policy {

enum class IdentitySource : std::uint8_t { kCommonName, kSanUri, kSanDns };
enum class ClientIdRule : std::uint8_t { kExact, kPrefix, kAny };
// What happens to a client that presents no certificate at all: refused (certacl's own
// listener), or left to mosquitto's password_file and other plugins (a password listener).
enum class OtherListeners : std::uint8_t { kRefuse, kDefer };

[[nodiscard]] std::string_view to_string(IdentitySource source) noexcept;
[[nodiscard]] std::string_view to_string(ClientIdRule rule) noexcept;
[[nodiscard]] std::string_view to_string(OtherListeners other) noexcept;

struct ConnectPolicy {
  IdentitySource identity_source = IdentitySource::kCommonName;
  // Broker-wide: `exact` lets each role's own rule apply; `prefix` or `any` apply to every role.
  ClientIdRule client_id_rule = ClientIdRule::kExact;
  OtherListeners other_listeners = OtherListeners::kRefuse;
};

// The rule a device of `role` connects under: the broker-wide one unless it is exact, then
// the role's own (`certacl-ca role add --client-id`).
[[nodiscard]] ClientIdRule effective_client_id_rule(const ConnectPolicy& policy,
                                                    const RegistrySnapshot& registry,
                                                    std::string_view role) noexcept;

// kAllowed, kClientIdInvalid or kClientIdMismatch for `device` using `client_id` now: the
// shape every rule checks, then the effective rule, and never a client id that belongs to
// another registered device (client_id_ownership.h).
[[nodiscard]] Reason client_id_verdict(std::string_view client_id, const RegisteredDevice& device,
                                       const RegistrySnapshot& registry,
                                       const ConnectPolicy& policy) noexcept;

// For a client without a certificate that certacl leaves to mosquitto (OtherListeners::kDefer):
// kAllowed, or kDeviceNamespace when its client id belongs to a registered device or its
// username is a device name (or a removed device's, whose certificates the registry keeps):
// it could take over a device's session, or be taken for it.
[[nodiscard]] Reason deferred_client_verdict(std::string_view client_id, std::string_view username,
                                             const RegistrySnapshot& registry) noexcept;

struct ConnectVerdict {
  Decision decision;
  std::string device;  // the registered device name (the MQTT username), if known
  std::string serial;  // the presented serial, if a certificate was readable
  std::string role;    // set when allowed
  std::int64_t not_after = 0;
};

// `certificate` is nullptr when the client presented none or it could not be read;
// `certificate_present` tells the two apart for the log.
[[nodiscard]] ConnectVerdict check_connect(const PresentedCertificate* certificate,
                                           bool certificate_present, std::string_view client_id,
                                           const RegistrySnapshot& registry,
                                           const ConnectPolicy& policy, std::int64_t now);

// The registry half of the connect check, repeated for live sessions whenever the snapshot
// changes: certificate still issued, unrevoked and in its validity, device still enabled.
[[nodiscard]] Decision recheck_registration(std::string_view device, std::string_view serial,
                                            const RegistrySnapshot& registry, std::int64_t now);

// The standing of a device when no certificate is at hand (a will published after the
// connection closed, a message queued for an offline session, the source of a retained
// message): registered, enabled, and holding at least one certificate that is neither
// revoked nor outside its validity.
[[nodiscard]] Decision device_standing(std::string_view device, const RegistrySnapshot& registry,
                                       std::int64_t now);

}  // namespace certacl::policy
