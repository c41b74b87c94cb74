#include "decision.h"

#include <array>

namespace certacl::policy {
namespace {

struct ReasonText {
  std::string_view description;
  std::string_view slug;
};

constexpr std::array<ReasonText, kReasonCount> kReasonTexts = {{
    {"allowed", "allowed"},
    {"no client certificate", "no_certificate"},
    {"certificate cannot be read", "malformed_certificate"},
    {"certificate does not carry exactly one identity", "identity_ambiguous"},
    {"identity is not a valid device name", "identity_invalid"},
    {"certificate was never issued by the CA", "unknown_certificate"},
    {"certificate fingerprint does not match the issued one", "fingerprint_mismatch"},
    {"certificate issuer does not match the issued one", "issuer_mismatch"},
    {"certificate belongs to another device", "certificate_of_other_device"},
    {"certificate revoked", "certificate_revoked"},
    {"certificate not yet valid", "certificate_not_yet_valid"},
    {"certificate expired", "certificate_expired"},
    {"device not registered", "unknown_device"},
    {"device disabled", "device_disabled"},
    {"client id is not acceptable", "client_id_invalid"},
    {"client id does not match the identity", "client_id_mismatch"},
    {"database stale", "database_stale"},
    {"no authenticated session", "no_session"},
    {"no rule allows it", "no_matching_rule"},
    {"denied by rule", "denied_by_rule"},
    {"device role changed", "role_changed"},
    {"device holds no valid certificate", "no_valid_certificate"},
    {"connected without certacl's connect check (use_identity_as_username or "
     "use_subject_as_username is on)",
     "not_authenticated"},
    {"rules narrowed; a reconnect re-checks queued messages", "rules_narrowed"},
    {"client without a certificate uses a registered device's client id or name",
     "device_namespace"},
}};

}  // namespace

std::string_view describe(Reason reason) noexcept {
  const auto index = static_cast<std::size_t>(reason);
  return index < kReasonCount ? kReasonTexts[index].description : "unknown reason";
}

std::string_view slug(Reason reason) noexcept {
  const auto index = static_cast<std::size_t>(reason);
  return index < kReasonCount ? kReasonTexts[index].slug : "unknown";
}

}  // namespace certacl::policy
