#pragma once
// Whether a change of rules can take a delivery right away. A message already queued for a
// client was checked when it was queued; if the new rules might refuse it, the session is
// ended (kicked) so that mosquitto re-checks everything queued when the client comes back
// (connect__on_authorised runs the READ check on every queued message).

#include <span>

#include "certacl/registry.h"

namespace certacl::policy {

// True when `after` drops an allow-subscribe rule of `before` or adds a deny-subscribe rule.
// Conservative: a change that only looks narrower (a rule replaced by a wider one) counts.
[[nodiscard]] bool narrows_delivery(std::span<const RoleRule> before,
                                    std::span<const RoleRule> after) noexcept;

// True when both hold the same rules (effect, action, pattern) in the same order.
[[nodiscard]] bool same_rules(std::span<const RoleRule> a, std::span<const RoleRule> b) noexcept;

}  // namespace certacl::policy
