#include "certacl/certificate_facts.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <array>
#include <ctime>

namespace certacl {

std::string take_openssl_errors() {
  std::string text;
  while (const unsigned long code = ERR_get_error()) {
    std::array<char, 256> buffer{};
    ERR_error_string_n(code, buffer.data(), buffer.size());
    if (!text.empty()) text += "; ";
    text += buffer.data();
  }
  return text.empty() ? "unknown error" : text;
}

std::string serial_hex(const X509* certificate) {
  const ASN1_INTEGER* serial = X509_get0_serialNumber(certificate);
  const BignumPtr number(ASN1_INTEGER_to_BN(serial, nullptr));
  if (!number) return {};
  const OpensslStringPtr hex(BN_bn2hex(number.get()));
  return hex ? std::string(hex.get()) : std::string();
}

namespace {

std::string lower_hex(const unsigned char* bytes, std::size_t length) {
  static constexpr std::string_view kHex = "0123456789abcdef";
  std::string text;
  text.reserve(length * 2);
  for (std::size_t i = 0; i < length; ++i) {
    text.push_back(kHex[bytes[i] >> 4]);
    text.push_back(kHex[bytes[i] & 0x0F]);
  }
  return text;
}

// `der` comes from an i2d_* call that allocated it; it is freed here.
std::string sha256_of_allocated_der(unsigned char* der, int der_length) {
  if (der_length <= 0) return {};
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  const int ok = EVP_Digest(der, static_cast<std::size_t>(der_length), digest.data(), &length,
                            EVP_sha256(), nullptr);
  OPENSSL_free(der);
  return ok == 1 ? lower_hex(digest.data(), length) : std::string{};
}

}  // namespace

std::string sha256_fingerprint(const X509* certificate) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (X509_digest(certificate, EVP_sha256(), digest.data(), &length) != 1) return {};
  return lower_hex(digest.data(), length);
}

std::string public_key_sha256(const EVP_PKEY* key) {
  if (key == nullptr) return {};
  unsigned char* der = nullptr;
  const int der_length = i2d_PUBKEY(key, &der);
  return sha256_of_allocated_der(der, der_length);
}

std::string spki_sha256(const X509_PUBKEY* spki) {
  if (spki == nullptr) return {};
  unsigned char* der = nullptr;
  const int der_length = i2d_X509_PUBKEY(spki, &der);
  return sha256_of_allocated_der(der, der_length);
}

std::string name_text(const X509_NAME* name) {
  const BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) return {};
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return length > 0 ? std::string(data, static_cast<std::size_t>(length)) : std::string();
}

std::vector<std::string> common_names(const X509_NAME* name) {
  std::vector<std::string> names;
  int index = -1;
  while ((index = X509_NAME_get_index_by_NID(name, NID_commonName, index)) >= 0) {
    const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, index);
    const ASN1_STRING* value = X509_NAME_ENTRY_get_data(entry);
    unsigned char* utf8 = nullptr;
    const int length = ASN1_STRING_to_UTF8(&utf8, value);
    if (length < 0) {
      names.emplace_back("\x01<undecodable>");  // refused later as a control character
      continue;
    }
    const OpensslStringPtr owner(reinterpret_cast<char*>(utf8));
    names.emplace_back(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(length));
  }
  return names;
}

std::vector<std::string> subject_alt_names(const X509* certificate, int general_name_type) {
  std::vector<std::string> values;
  const GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr)));
  if (!names) return values;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* entry = sk_GENERAL_NAME_value(names.get(), i);
    int type = 0;
    const auto* value = static_cast<const ASN1_STRING*>(GENERAL_NAME_get0_value(entry, &type));
    if (type != general_name_type || value == nullptr) continue;
    values.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                        static_cast<std::size_t>(ASN1_STRING_length(value)));
  }
  return values;
}

std::optional<std::int64_t> asn1_time_to_unix(const ASN1_TIME* time) {
  std::tm parts{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &parts) != 1) return std::nullopt;
  return static_cast<std::int64_t>(timegm(&parts));
}

X509Ptr parse_certificate_pem(std::string_view pem) {
  const BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return nullptr;
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

X509Ptr parse_certificate_der(std::string_view der) {
  const auto* cursor = reinterpret_cast<const unsigned char*>(der.data());
  return X509Ptr(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())));
}

std::string certificate_to_pem(const X509* certificate) {
  const BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), const_cast<X509*>(certificate)) != 1) return {};
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(length));
}

}  // namespace certacl
