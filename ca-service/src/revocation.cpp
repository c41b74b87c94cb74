#include "revocation.h"

#include <fmt/format.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

#include "audit.h"
#include "ca_database.h"
#include "ca_error.h"
#include "certacl/certificate_facts.h"
#include "certacl/registry.h"

namespace certacl::ca {
namespace {

struct ReasonName {
  int code;
  std::string_view name;
};

constexpr std::array<ReasonName, 10> kReasons = {{{0, "unspecified"},
                                                  {1, "keyCompromise"},
                                                  {2, "cACompromise"},
                                                  {3, "affiliationChanged"},
                                                  {4, "superseded"},
                                                  {5, "cessationOfOperation"},
                                                  {6, "certificateHold"},
                                                  {8, "removeFromCRL"},
                                                  {9, "privilegeWithdrawn"},
                                                  {10, "aACompromise"}}};

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

constexpr std::int64_t kSecondsPerDay = 86400;

[[noreturn]] void fail(std::string_view what) {
  throw CaError(ExitCode::kKey, fmt::format("cannot {}: {}", what, take_openssl_errors()));
}

void mark_revoked(SqliteDatabase& db, const std::string& serial, int reason,
                  const std::optional<std::string>& device) {
  db.prepare(
        "UPDATE certificates SET revoked_at = ?1, revocation_reason = ?2 "
        "WHERE serial = ?3 AND revoked_at IS NULL")
      .bind(1, unix_now())
      .bind(2, std::int64_t{reason})
      .bind(3, std::string_view(serial))
      .run();
  append_audit(db, "revoke", device, serial,
               fmt::format("reason={}", revocation_reason_name(reason)));
}

}  // namespace

std::optional<int> parse_revocation_reason(std::string_view text) noexcept {
  int code = -1;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), code);
  const bool numeric = error == std::errc{} && end == text.data() + text.size();
  for (const ReasonName& reason : kReasons) {
    if ((numeric && reason.code == code) || (!numeric && equal_ignoring_case(reason.name, text))) {
      if (reason.code == 6 || reason.code == 8) return std::nullopt;
      return reason.code;
    }
  }
  return std::nullopt;
}

std::string_view revocation_reason_name(std::int64_t code) noexcept {
  for (const ReasonName& reason : kReasons) {
    if (reason.code == code) return reason.name;
  }
  return "unknown";
}

std::string normalize_serial(std::string_view text) {
  std::string_view digits = text;
  if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
    digits.remove_prefix(2);
  }
  std::string serial;
  serial.reserve(digits.size());
  for (const char c : digits) {
    if (c == ':') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) {
      throw CaError(ExitCode::kBadInput,
                    fmt::format("invalid serial '{}': expected hexadecimal digits", text));
    }
    if (serial.empty() && c == '0') continue;
    serial.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  if (serial.empty()) {
    throw CaError(ExitCode::kBadInput, fmt::format("invalid serial '{}'", text));
  }
  return serial;
}

void revoke_serial(SqliteDatabase& db, const std::string& serial, int reason) {
  const auto record = find_certificate(db, serial);
  if (!record) {
    throw CaError(ExitCode::kNotFound, fmt::format("no certificate with serial {}", serial));
  }
  if (record->revoked()) {
    throw CaError(ExitCode::kConflict,
                  fmt::format("certificate {} is already revoked ({})", serial,
                              revocation_reason_name(*record->revocation_reason)));
  }
  mark_revoked(db, serial, reason, record->device);
}

std::vector<std::string> revoke_device(SqliteDatabase& db, const std::string& device, int reason) {
  if (!find_device(db, device)) {
    throw CaError(ExitCode::kNotFound, fmt::format("unknown device '{}'", device));
  }
  std::vector<std::string> revoked;
  for (const CertificateRecord& record :
       load_certificates(db, std::string_view(device), CertificateKind::kDevice)) {
    if (record.revoked()) continue;
    mark_revoked(db, record.serial, reason, device);
    revoked.push_back(record.serial);
  }
  return revoked;
}

std::string build_crl_pem(SqliteDatabase& db, const CertificateAuthority& authority, int days) {
  return build_crl_pem(load_certificates(db), read_change_counter(db), authority, days);
}

std::string build_crl_pem(const std::vector<CertificateRecord>& certificates,
                          std::int64_t crl_number, const CertificateAuthority& authority,
                          int days) {
  if (days < 1 || days > 3650) {
    throw CaError(ExitCode::kBadInput, fmt::format("--days {} is out of range (1..3650)", days));
  }
  X509CrlPtr crl(X509_CRL_new());
  if (!crl) fail("allocate a CRL");
  X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2);
  X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(authority.certificate()));
  const std::int64_t now = unix_now();
  const Asn1TimePtr this_update(ASN1_TIME_set(nullptr, static_cast<time_t>(now)));
  const Asn1TimePtr next_update(
      ASN1_TIME_set(nullptr, static_cast<time_t>(now + days * kSecondsPerDay)));
  if (!this_update || !next_update || X509_CRL_set1_lastUpdate(crl.get(), this_update.get()) != 1 ||
      X509_CRL_set1_nextUpdate(crl.get(), next_update.get()) != 1) {
    fail("set CRL dates");
  }
  for (const CertificateRecord& record : certificates) {
    if (!record.revoked()) continue;
    X509RevokedPtr entry(X509_REVOKED_new());
    BIGNUM* raw_serial = nullptr;
    if (BN_hex2bn(&raw_serial, record.serial.c_str()) == 0) fail("parse a stored serial");
    const BignumPtr serial(raw_serial);
    const Asn1IntegerPtr serial_integer(BN_to_ASN1_INTEGER(serial.get(), nullptr));
    const Asn1TimePtr revoked_at(ASN1_TIME_set(nullptr, static_cast<time_t>(*record.revoked_at)));
    if (!entry || !serial_integer || !revoked_at ||
        X509_REVOKED_set_serialNumber(entry.get(), serial_integer.get()) != 1 ||
        X509_REVOKED_set_revocationDate(entry.get(), revoked_at.get()) != 1) {
      fail("add a CRL entry");
    }
    // RFC 5280 5.3.1: leave out the reason code rather than say "unspecified".
    if (*record.revocation_reason != 0) {
      const std::unique_ptr<ASN1_ENUMERATED, OpensslDeleter<ASN1_ENUMERATED_free>> reason(
          ASN1_ENUMERATED_new());
      if (!reason || ASN1_ENUMERATED_set(reason.get(), *record.revocation_reason) != 1 ||
          X509_REVOKED_add1_ext_i2d(entry.get(), NID_crl_reason, reason.get(), 0, 0) != 1) {
        fail("add a CRL reason code");
      }
    }
    if (X509_CRL_add0_revoked(crl.get(), entry.get()) != 1) fail("add a CRL entry");
    entry.release();  // the CRL owns it now
  }
  X509_CRL_sort(crl.get());
  X509V3_CTX context;
  X509V3_set_ctx(&context, const_cast<X509*>(authority.certificate()), nullptr, nullptr, crl.get(),
                 0);
  const X509ExtensionPtr key_id(
      X509V3_EXT_conf_nid(nullptr, &context, NID_authority_key_identifier, "keyid:always"));
  if (!key_id || X509_CRL_add_ext(crl.get(), key_id.get(), -1) != 1) fail("add CRL AKI");
  // The change counter only grows, so it serves as a monotonic CRL number.
  const BignumPtr number(BN_new());
  BN_set_word(number.get(), static_cast<BN_ULONG>(crl_number));
  const Asn1IntegerPtr number_integer(BN_to_ASN1_INTEGER(number.get(), nullptr));
  if (!number_integer ||
      X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, number_integer.get(), 0, 0) != 1) {
    fail("add CRL number");
  }
  if (X509_CRL_sign(crl.get(), authority.key(), signing_digest(authority.key())) <= 0) {
    fail("sign the CRL");
  }
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509_CRL(bio.get(), crl.get()) != 1) fail("encode the CRL");
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(length));
}

bool key_revoked_for_compromise(SqliteDatabase& db, const EVP_PKEY* key) {
  return key_revoked_for_compromise(db, public_key_sha256(key));
}

bool key_revoked_for_compromise(SqliteDatabase& db, const std::string& key_sha256) {
  Statement query = db.prepare(
      "SELECT 1 FROM certificates WHERE public_key_sha256 = ?1 AND revocation_reason = ?2");
  query.bind(1, key_sha256).bind(2, std::int64_t{kReasonKeyCompromise});
  return query.step();
}

}  // namespace certacl::ca
