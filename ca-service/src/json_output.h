#pragma once
// JSON forms of the registry's records for --json output (stable field names, documented
// in docs/CA.md).

#include <nlohmann/json.hpp>

#include "audit.h"
#include "certacl/registry.h"

namespace certacl::ca {

[[nodiscard]] std::string certificate_status(const CertificateRecord& record, std::int64_t now);

[[nodiscard]] nlohmann::json to_json(const Device& device);
[[nodiscard]] nlohmann::json to_json(const RoleRule& rule);
[[nodiscard]] nlohmann::json to_json(const CertificateRecord& record, std::int64_t now);
[[nodiscard]] nlohmann::json to_json(const AuditEntry& entry);

}  // namespace certacl::ca
