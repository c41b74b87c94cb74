#pragma once
// JSON forms of the registry's records for --json output (stable field names, documented
// in docs/CA.md).

#include <nlohmann/json.hpp>

#include "audit.h"
#include "certacl/registry.h"

namespace certacl::ca {

// Pretty-printed JSON that never throws on stored data: text that is not valid UTF-8 (an
// older build stored it, or the file was edited) is written with U+FFFD in place of the bad
// bytes instead of aborting the whole listing.
[[nodiscard]] std::string dump_json(const nlohmann::json& value);

// A device name as a terminal may show it: the name itself when it satisfies today's rule,
// else its bytes escaped (\xHH), so a stored bidi override or control cannot rewrite the
// screen.
[[nodiscard]] std::string display_name(const std::string& name);

[[nodiscard]] std::string certificate_status(const CertificateRecord& record, std::int64_t now);

[[nodiscard]] nlohmann::json to_json(const Device& device);
[[nodiscard]] nlohmann::json to_json(const RoleRule& rule);
[[nodiscard]] nlohmann::json to_json(const CertificateRecord& record, std::int64_t now);
[[nodiscard]] nlohmann::json to_json(const AuditEntry& entry);

}  // namespace certacl::ca
