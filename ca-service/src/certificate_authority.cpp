#include "certificate_authority.h"

#include <fmt/format.h>
#include <openssl/rand.h>

#include <array>

#include "ca_database.h"
#include "ca_error.h"
#include "certacl/certificate_facts.h"
#include "csr_policy.h"
#include "key_file.h"
#include "passphrase_prompt.h"
#include "revocation.h"

namespace certacl::ca {
namespace {

constexpr std::int64_t kSecondsPerDay = 86400;
constexpr int kSerialAttempts = 8;

bool serial_in_use(SqliteDatabase& db, const std::string& serial) {
  Statement statement = db.prepare("SELECT 1 FROM certificates WHERE serial = ?1");
  statement.bind(1, serial);
  return statement.step();
}

std::string bignum_hex(const BIGNUM* number) {
  const OpensslStringPtr hex(BN_bn2hex(number));
  return hex ? std::string(hex.get()) : std::string{};
}

}  // namespace

Validity validity_for(int days, int backdate_days, int max_days) {
  if (days < 1 || days > max_days) {
    throw CaError(ExitCode::kBadInput,
                  fmt::format("--days {} is out of range (1..{})", days, max_days));
  }
  if (backdate_days < 0) {
    throw CaError(ExitCode::kBadInput,
                  fmt::format("--backdate-days {} must not be negative", backdate_days));
  }
  const std::int64_t now = unix_now();
  const std::int64_t start = now - std::int64_t{backdate_days} * kSecondsPerDay;
  return Validity{start - kClockSkewSeconds, start + std::int64_t{days} * kSecondsPerDay};
}

BignumPtr random_serial() {
  std::array<unsigned char, 20> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw CaError(ExitCode::kKey,
                  fmt::format("cannot draw a random serial: {}", take_openssl_errors()));
  }
  // Clear the sign bit (serials are positive) and set the next one, so every serial has
  // exactly 159 bits of which 158 are random.
  bytes[0] = static_cast<unsigned char>((bytes[0] & 0x3F) | 0x40);
  BignumPtr serial(BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr));
  if (!serial) throw CaError(ExitCode::kKey, "cannot allocate a serial number");
  return serial;
}

CertificateAuthority CertificateAuthority::load(SqliteDatabase& db,
                                                const std::optional<std::string>& passphrase_file) {
  const CaRecord record = require_ca(db);
  X509Ptr certificate = parse_certificate_pem(record.certificate_pem);
  if (!certificate) {
    throw CaError(ExitCode::kStorage,
                  fmt::format("the CA certificate stored in '{}' is unreadable: {}", db.path(),
                              take_openssl_errors()));
  }
  EvpPkeyPtr key =
      load_ca_key(certificate.get(), record.key_path, record.key_encrypted, passphrase_file);
  return CertificateAuthority(std::move(certificate), std::move(key));
}

std::string subject_key_sha256(const CertificateOrder& order) {
  return order.subject_spki != nullptr ? spki_sha256(order.subject_spki)
                                       : public_key_sha256(order.subject_key);
}

void require_certifiable_key(const EVP_PKEY* key, bool revoked_for_compromise) {
  if (std::string problem = public_key_problem(key); !problem.empty()) {
    throw CaError(ExitCode::kBadInput, problem);
  }
  if (revoked_for_compromise) {
    throw CaError(ExitCode::kBadInput,
                  "its public key is on a certificate revoked for keyCompromise; generate a new "
                  "key");
  }
}

EvpPkeyPtr load_ca_key(const X509* certificate, const std::string& key_path, bool key_encrypted,
                       const std::optional<std::string>& passphrase_file) {
  std::optional<std::string> passphrase =
      obtain_passphrase(passphrase_file, key_encrypted, key_path);
  EvpPkeyPtr key = load_private_key(key_path, passphrase, "CA key",
                                    EVP_PKEY_get0_type_name(X509_get0_pubkey(certificate)));
  if (passphrase) OPENSSL_cleanse(passphrase->data(), passphrase->size());
  if (X509_check_private_key(certificate, key.get()) != 1) {
    take_openssl_errors();
    throw CaError(ExitCode::kKey,
                  fmt::format("CA key '{}' does not belong to the CA certificate", key_path));
  }
  return key;
}

X509Ptr CertificateAuthority::issue(SqliteDatabase& db, CertificateOrder order,
                                    CertificateKind kind,
                                    const std::optional<std::string>& device) const {
  // Every certificate (sign, renew, enroll, server-cert, EST) passes here, inside the
  // caller's write transaction, so no path can certify a weak or compromised key.
  require_certifiable_key(order.subject_key,
                          key_revoked_for_compromise(db, subject_key_sha256(order)));
  for (int attempt = 0; attempt < kSerialAttempts; ++attempt) {
    const BignumPtr serial = random_serial();
    if (serial_in_use(db, bignum_hex(serial.get()))) continue;
    order.serial = serial.get();
    X509Ptr certificate = build_certificate(order, certificate_.get(), key_.get());
    record_certificate(db, certificate.get(), kind, device);
    return certificate;
  }
  throw CaError(ExitCode::kStorage, "cannot find an unused serial number");
}

CertificateRecord certificate_record(const X509* certificate, CertificateKind kind,
                                     const std::optional<std::string>& device) {
  const auto not_before = asn1_time_to_unix(X509_get0_notBefore(certificate));
  const auto not_after = asn1_time_to_unix(X509_get0_notAfter(certificate));
  if (!not_before || !not_after) {
    throw CaError(ExitCode::kBadInput, "certificate validity cannot be represented");
  }
  CertificateRecord record;
  record.serial = serial_hex(certificate);
  record.kind = kind;
  record.device = device;
  record.subject = name_text(X509_get_subject_name(certificate));
  record.issuer = name_text(X509_get_issuer_name(certificate));
  record.not_before = *not_before;
  record.not_after = *not_after;
  record.sha256 = sha256_fingerprint(certificate);
  return record;
}

void record_certificate(SqliteDatabase& db, const X509* certificate, CertificateKind kind,
                        const std::optional<std::string>& device) {
  const CertificateRecord record = certificate_record(certificate, kind, device);
  db.prepare(
        "INSERT INTO certificates (serial, kind, device, subject, issuer, not_before, "
        "not_after, sha256, certificate_pem, issued_at, public_key_sha256) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)")
      .bind(1, record.serial)
      .bind(2, to_string(kind))
      .bind(3, device)
      .bind(4, record.subject)
      .bind(5, record.issuer)
      .bind(6, record.not_before)
      .bind(7, record.not_after)
      .bind(8, record.sha256)
      .bind(9, certificate_to_pem(certificate))
      .bind(10, unix_now())
      .bind(11, spki_sha256(X509_get_X509_PUBKEY(certificate)))
      .run();
}

}  // namespace certacl::ca
