#pragma once
// The CA at work: its certificate and private key, and issuance in which serial
// allocation, signing and recording happen inside the caller's BEGIN IMMEDIATE
// transaction, so no certificate exists that the database does not know.

#include <cstdint>
#include <optional>
#include <string>

#include "certacl/openssl_handles.h"
#include "certacl/registry.h"
#include "certacl/sqlite.h"
#include "certificate_builder.h"

namespace certacl::ca {

inline constexpr int kMaxLeafDays = 825;
inline constexpr int kMaxCaDays = 36500;
// A fresh certificate starts a minute in the past so a broker whose clock runs slightly
// behind still accepts it.
inline constexpr std::int64_t kClockSkewSeconds = 60;

struct Validity {
  std::int64_t not_before = 0;
  std::int64_t not_after = 0;
};

// Valid from now - backdate_days (minus the skew allowance) until now + days - backdate_days.
// backdate_days > days yields an already expired certificate (for testing expiry handling).
// Throws CaError(kBadInput) for days outside 1..max_days or a negative backdate.
[[nodiscard]] Validity validity_for(int days, int backdate_days, int max_days);

// At least 128 random bits (159 here), positive, as RFC 5280 and CA/B forum ask.
[[nodiscard]] BignumPtr random_serial();

class CertificateAuthority {
 public:
  // Loads the CA certificate from the database and its key from the key file.
  static CertificateAuthority load(SqliteDatabase& db,
                                   const std::optional<std::string>& passphrase_file);

  CertificateAuthority(X509Ptr certificate, EvpPkeyPtr key)
      : certificate_(std::move(certificate)), key_(std::move(key)) {}

  [[nodiscard]] const X509* certificate() const noexcept { return certificate_.get(); }
  [[nodiscard]] EVP_PKEY* key() const noexcept { return key_.get(); }

  // Must run inside a WriteTransaction: picks an unused serial, signs and inserts the row.
  X509Ptr issue(SqliteDatabase& db, CertificateOrder order, CertificateKind kind,
                const std::optional<std::string>& device) const;

 private:
  X509Ptr certificate_;
  EvpPkeyPtr key_;
};

// Loads the CA key (passphrase from the file, else asked on a terminal) and checks it belongs
// to `certificate`. Throws CaError(kKey) naming the key file.
[[nodiscard]] EvpPkeyPtr load_ca_key(const X509* certificate, const std::string& key_path,
                                     bool key_encrypted,
                                     const std::optional<std::string>& passphrase_file);

// The SHA-256 of the SubjectPublicKeyInfo `order` certifies, as the registry's
// public_key_sha256 column holds it.
[[nodiscard]] std::string subject_key_sha256(const CertificateOrder& order);
// Throws CaError(kBadInput) when `key` is too weak, or was revoked for keyCompromise.
void require_certifiable_key(const EVP_PKEY* key, bool revoked_for_compromise);

// The registry row of an issued certificate (issued_at and revocation left empty).
[[nodiscard]] CertificateRecord certificate_record(const X509* certificate, CertificateKind kind,
                                                   const std::optional<std::string>& device);

// Inserts the certificates row for an issued certificate.
void record_certificate(SqliteDatabase& db, const X509* certificate, CertificateKind kind,
                        const std::optional<std::string>& device);

}  // namespace certacl::ca
