#pragma once
// One-time enrollment tokens: the secret an admin hands to a device (or its factory
// station) so it can ask for its first certificate over EST. The database keeps only the
// token's SHA-256, so a stolen database copy enrolls nothing.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "certacl/sqlite.h"

namespace certacl::ca {

inline constexpr std::int64_t kDefaultTokenTtlSeconds = std::int64_t{24} * 3600;
inline constexpr std::int64_t kMaxTokenTtlSeconds = std::int64_t{30} * 86400;

struct NewEnrollmentToken {
  std::string device;
  std::string token;  // shown once, never stored
  std::int64_t expires_at = 0;
};

// Use case `device token NAME`: the device must be registered and enabled. Any unused
// token the device still had is revoked, so at most one secret per device is live.
// Owns its transaction and audit rows. Throws CaError (kNotFound, kConflict, kBadInput).
[[nodiscard]] NewEnrollmentToken create_enrollment_token(SqliteDatabase& db,
                                                         const std::string& device,
                                                         std::int64_t ttl_seconds);

// Use case `device token-revoke NAME`: revokes every unused token of the device and
// returns how many. Owns its transaction. Throws CaError(kNotFound) for an unknown device.
int revoke_enrollment_tokens(SqliteDatabase& db, const std::string& device);

// 256 random bits, base64url without padding: the secret `device token` prints once.
[[nodiscard]] std::string new_token_secret();
// The audit detail of `device token`, the same on both stores.
[[nodiscard]] std::string token_created_detail(std::int64_t token_id, std::int64_t expires_at,
                                               int replaced_unused);

// Lower-case hex SHA-256 of the token text: the only form the database holds.
[[nodiscard]] std::string token_digest(std::string_view token);

enum class TokenProblem { kNone, kUnknown, kOtherDevice, kExpired, kUsed, kRevoked };
[[nodiscard]] std::string_view describe(TokenProblem problem) noexcept;

struct StoredToken {
  std::int64_t id = 0;
  std::string device;
  std::int64_t expires_at = 0;
  bool used = false;
  bool revoked = false;
};

// Pure decision: may `stored` (the row found by digest, if any) enroll `device` at `now`?
[[nodiscard]] TokenProblem judge_token(const std::optional<StoredToken>& stored,
                                       std::string_view device, std::int64_t now) noexcept;

// Inside the caller's write transaction.
[[nodiscard]] std::optional<StoredToken> find_token(SqliteDatabase& db, std::string_view token);
void mark_token_used(SqliteDatabase& db, std::int64_t token_id, const std::string& serial);

}  // namespace certacl::ca
