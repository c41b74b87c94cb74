#pragma once
// Revocation (RFC 5280 reason codes) and the CRL the broker loads as its crlfile.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "certacl/sqlite.h"
#include "certificate_authority.h"

namespace certacl::ca {

// Accepts RFC 5280 names (keyCompromise, superseded, ...) or their numbers.
// certificateHold and removeFromCRL are refused: certacl revocation is permanent.
[[nodiscard]] std::optional<int> parse_revocation_reason(std::string_view text) noexcept;
[[nodiscard]] std::string_view revocation_reason_name(std::int64_t code) noexcept;

// "0x0a:bc" / "0ABC" / "abc" all become "ABC", the form the database stores.
[[nodiscard]] std::string normalize_serial(std::string_view text);

// Each runs inside the caller's write transaction and appends audit rows.
// Throws CaError: kNotFound (serial), kConflict (already revoked).
void revoke_serial(SqliteDatabase& db, const std::string& serial, int reason);
// Revokes every unrevoked certificate of the device; returns their serials.
// Throws CaError(kNotFound) for an unknown device.
std::vector<std::string> revoke_device(SqliteDatabase& db, const std::string& device, int reason);

inline constexpr int kReasonKeyCompromise = 1;

// True when any certificate carrying this public key (same SubjectPublicKeyInfo) was
// revoked for keyCompromise: such a key must never be certified again.
[[nodiscard]] bool key_revoked_for_compromise(SqliteDatabase& db, const EVP_PKEY* key);
// The same by the key's public_key_sha256 / spki_sha256.
[[nodiscard]] bool key_revoked_for_compromise(SqliteDatabase& db, const std::string& key_sha256);

// A v2 CRL listing every revoked certificate, signed by the CA, valid for `days`.
[[nodiscard]] std::string build_crl_pem(SqliteDatabase& db, const CertificateAuthority& authority,
                                        int days);
// The same from certificates read elsewhere (a PostgreSQL registry); `crl_number` is the
// registry's change counter, which only grows.
[[nodiscard]] std::string build_crl_pem(const std::vector<CertificateRecord>& certificates,
                                        std::int64_t crl_number,
                                        const CertificateAuthority& authority, int days);

}  // namespace certacl::ca
