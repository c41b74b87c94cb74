#include "enrollment_token.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>

#include "audit.h"
#include "ca_database.h"
#include "ca_error.h"
#include "certacl/openssl_handles.h"
#include "device_registry.h"
#include "table.h"

namespace certacl::ca {

// 43 characters that survive shells, URLs and HTTP Basic without quoting.
std::string new_token_secret() {
  std::array<unsigned char, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw CaError(ExitCode::kKey,
                  fmt::format("cannot draw a random token: {}", take_openssl_errors()));
  }
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string token;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const unsigned char byte : bytes) {
    buffer = (buffer << 8U) | byte;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      token.push_back(kAlphabet[(buffer >> static_cast<unsigned>(bits)) & 0x3FU]);
    }
  }
  if (bits > 0) token.push_back(kAlphabet[(buffer << static_cast<unsigned>(6 - bits)) & 0x3FU]);
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return token;
}

std::string token_created_detail(std::int64_t token_id, std::int64_t expires_at,
                                 int replaced_unused) {
  return fmt::format("token_id={} expires={} replaced_unused={}", token_id, format_utc(expires_at),
                     replaced_unused);
}

namespace {

int revoke_unused_tokens(SqliteDatabase& db, const std::string& device) {
  db.prepare(
        "UPDATE enrollment_tokens SET revoked_at = ?2 "
        "WHERE device = ?1 AND used_at IS NULL AND revoked_at IS NULL")
      .bind(1, device)
      .bind(2, unix_now())
      .run();
  return db.changes();
}

}  // namespace

std::string token_digest(std::string_view token) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(token.data(), token.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) {
    throw CaError(ExitCode::kKey, "cannot hash an enrollment token");
  }
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

std::string_view describe(TokenProblem problem) noexcept {
  switch (problem) {
    case TokenProblem::kNone:
      return "valid";
    case TokenProblem::kUnknown:
      return "unknown token";
    case TokenProblem::kOtherDevice:
      return "token belongs to another device";
    case TokenProblem::kExpired:
      return "token expired";
    case TokenProblem::kUsed:
      return "token already used";
    case TokenProblem::kRevoked:
      return "token revoked";
  }
  return "unknown token";
}

TokenProblem judge_token(const std::optional<StoredToken>& stored, std::string_view device,
                         std::int64_t now) noexcept {
  // Order matters: a token of another device says nothing more about itself, so its
  // state (used, expired) is not revealed to someone naming the wrong device.
  if (!stored) return TokenProblem::kUnknown;
  if (stored->device != device) return TokenProblem::kOtherDevice;
  if (stored->revoked) return TokenProblem::kRevoked;
  if (stored->used) return TokenProblem::kUsed;
  if (now >= stored->expires_at) return TokenProblem::kExpired;
  return TokenProblem::kNone;
}

std::optional<StoredToken> find_token(SqliteDatabase& db, std::string_view token) {
  Statement statement = db.prepare(
      "SELECT id, device, expires_at, used_at IS NOT NULL, revoked_at IS NOT NULL "
      "FROM enrollment_tokens WHERE token_sha256 = ?1");
  statement.bind(1, token_digest(token));
  if (!statement.step()) return std::nullopt;
  return StoredToken{statement.column_int64(0), statement.column_text(1), statement.column_int64(2),
                     statement.column_int64(3) != 0, statement.column_int64(4) != 0};
}

void mark_token_used(SqliteDatabase& db, std::int64_t token_id, const std::string& serial) {
  db.prepare(
        "UPDATE enrollment_tokens SET used_at = ?2, used_serial = ?3 "
        "WHERE id = ?1 AND used_at IS NULL AND revoked_at IS NULL")
      .bind(1, token_id)
      .bind(2, unix_now())
      .bind(3, serial)
      .run();
  if (db.changes() != 1) throw CaError(ExitCode::kConflict, "token was used concurrently");
}

NewEnrollmentToken create_enrollment_token(SqliteDatabase& db, const std::string& device,
                                           std::int64_t ttl_seconds) {
  if (ttl_seconds < 1 || ttl_seconds > kMaxTokenTtlSeconds) {
    throw CaError(ExitCode::kBadInput, fmt::format("token lifetime {}s is out of range (1s..{}s)",
                                                   ttl_seconds, kMaxTokenTtlSeconds));
  }
  WriteTransaction transaction(db);
  const Device registered = require_device(db, device);
  const int replaced = revoke_unused_tokens(db, registered.name);
  NewEnrollmentToken created{registered.name, new_token_secret(), unix_now() + ttl_seconds};
  db.prepare(
        "INSERT INTO enrollment_tokens (device, token_sha256, created_at, expires_at) "
        "VALUES (?1, ?2, ?3, ?4)")
      .bind(1, created.device)
      .bind(2, token_digest(created.token))
      .bind(3, unix_now())
      .bind(4, created.expires_at)
      .run();
  append_audit(db, "token-create", created.device, std::nullopt,
               token_created_detail(db.last_insert_rowid(), created.expires_at, replaced));
  transaction.commit();
  return created;
}

int revoke_enrollment_tokens(SqliteDatabase& db, const std::string& device) {
  WriteTransaction transaction(db);
  if (!find_device(db, device)) {
    throw CaError(ExitCode::kNotFound, fmt::format("unknown device '{}'", device));
  }
  const int revoked = revoke_unused_tokens(db, device);
  append_audit(db, "token-revoke", device, std::nullopt, fmt::format("revoked={}", revoked));
  transaction.commit();
  return revoked;
}

}  // namespace certacl::ca
