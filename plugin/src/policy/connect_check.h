#pragma once
// The connect-time decision: is this certificate one the CA issued to an enabled device,
// still valid, and does the client id fit the identity? Pure: no broker, no database.

#include <cstdint>
#include <string>
#include <string_view>

#include "decision.h"
#include "presented_certificate.h"
#include "registry_snapshot.h"

namespace certacl::policy {

enum class IdentitySource : std::uint8_t { kCommonName, kSanUri, kSanDns };
enum class ClientIdRule : std::uint8_t { kExact, kPrefix, kAny };

[[nodiscard]] std::string_view to_string(IdentitySource source) noexcept;
[[nodiscard]] std::string_view to_string(ClientIdRule rule) noexcept;

struct ConnectPolicy {
  IdentitySource identity_source = IdentitySource::kCommonName;
  ClientIdRule client_id_rule = ClientIdRule::kExact;
};

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

// Prints untrusted text (a CN with a NUL, a control character) safely into one log line.
[[nodiscard]] std::string printable(std::string_view untrusted);

}  // namespace certacl::policy
