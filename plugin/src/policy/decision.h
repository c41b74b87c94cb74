#pragma once
// What every check answers: allow or deny, and why. Reasons are a closed enum so the hot
// path never builds a string and the counters can be a fixed array.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace certacl::policy {

enum class Verdict : std::uint8_t { kAllow, kDeny };

enum class Reason : std::uint8_t {
  kAllowed,
  kNoCertificate,
  kMalformedCertificate,
  kIdentityAmbiguous,
  kIdentityInvalid,
  kUnknownCertificate,
  kFingerprintMismatch,
  kIssuerMismatch,
  kCertificateOfOtherDevice,
  kCertificateRevoked,
  kCertificateNotYetValid,
  kCertificateExpired,
  kUnknownDevice,
  kDeviceDisabled,
  kClientIdInvalid,
  kClientIdMismatch,
  kDatabaseStale,
  kNoSession,
  kNoMatchingRule,
  kDeniedByRule,
  kRoleChanged,
  kNoValidCertificate,
  kNotAuthenticated,
  kRulesNarrowed,
  kDeviceNamespace,
  kCount
};

inline constexpr std::size_t kReasonCount = static_cast<std::size_t>(Reason::kCount);

struct Decision {
  Verdict verdict = Verdict::kDeny;
  Reason reason = Reason::kNoMatchingRule;

  [[nodiscard]] constexpr bool allowed() const noexcept { return verdict == Verdict::kAllow; }
  constexpr bool operator==(const Decision&) const noexcept = default;
  static constexpr Decision allow() noexcept { return {Verdict::kAllow, Reason::kAllowed}; }
  static constexpr Decision deny(Reason why) noexcept { return {Verdict::kDeny, why}; }
};

// Human text for log lines ("certificate revoked").
[[nodiscard]] std::string_view describe(Reason reason) noexcept;
// Stable identifier for $SYS topics and dashboards ("certificate_revoked").
[[nodiscard]] std::string_view slug(Reason reason) noexcept;

}  // namespace certacl::policy
