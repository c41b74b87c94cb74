#include "est/est_codec.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>

#include <array>
#include <climits>
#include <stdexcept>

namespace certacl::ca::est {
namespace {

using Pkcs7Ptr = std::unique_ptr<PKCS7, OpensslDeleter<PKCS7_free>>;

bool is_base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

constexpr std::array<unsigned char, 35> kCsrAttributes = {
    0x30, 0x21, 0x30, 0x15, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02,
    0x01, 0x31, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01,
    0x07, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};

}  // namespace

std::optional<std::string> decode_base64(std::string_view text) {
  std::string compact;
  compact.reserve(text.size());
  std::size_t padding = 0;
  for (const char c : text) {
    if (is_space(c)) continue;
    if (c == '=') {
      ++padding;
    } else if (!is_base64_char(c) || padding > 0) {
      return std::nullopt;  // a foreign character, or data after the padding
    }
    compact.push_back(c);
  }
  if (compact.empty() || compact.size() % 4 != 0 || padding > 2) return std::nullopt;
  std::string out(compact.size() / 4 * 3, '\0');
  const int written = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(compact.data()),
                                      static_cast<int>(compact.size()));
  if (written < 0) return std::nullopt;
  out.resize(static_cast<std::size_t>(written) - padding);  // DecodeBlock keeps pad bytes
  return out;
}

std::string encode_base64(std::string_view bytes) {
  constexpr std::size_t kLineBytes = 48;  // 64 characters per line
  std::string out;
  std::array<unsigned char, 66> line{};
  for (std::size_t offset = 0; offset < bytes.size(); offset += kLineBytes) {
    const std::size_t length = std::min(kLineBytes, bytes.size() - offset);
    const int written =
        EVP_EncodeBlock(line.data(), reinterpret_cast<const unsigned char*>(bytes.data() + offset),
                        static_cast<int>(length));
    out.append(reinterpret_cast<const char*>(line.data()), static_cast<std::size_t>(written));
    out.push_back('\n');
  }
  return out;
}

X509ReqPtr parse_csr_der(std::string_view der) {
  if (der.size() > static_cast<std::size_t>(LONG_MAX)) return nullptr;
  const auto* cursor = reinterpret_cast<const unsigned char*>(der.data());
  X509ReqPtr request(d2i_X509_REQ(nullptr, &cursor, static_cast<long>(der.size())));
  // Trailing bytes after the request would be ignored by d2i; refuse them instead.
  if (!request || cursor != reinterpret_cast<const unsigned char*>(der.data() + der.size())) {
    take_openssl_errors();
    return nullptr;
  }
  return request;
}

std::optional<std::string> csr_der_to_pem(std::string_view der) {
  const X509ReqPtr request = parse_csr_der(der);
  if (!request) return std::nullopt;
  const BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509_REQ(bio.get(), request.get()) != 1) {
    take_openssl_errors();
    return std::nullopt;
  }
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(length));
}

std::string certs_only_pkcs7_der(const std::vector<const X509*>& certificates) {
  const Pkcs7Ptr pkcs7(PKCS7_new());
  if (!pkcs7 || PKCS7_set_type(pkcs7.get(), NID_pkcs7_signed) != 1 ||
      PKCS7_content_new(pkcs7.get(), NID_pkcs7_data) != 1) {
    throw std::runtime_error("cannot build a PKCS#7 structure: " + take_openssl_errors());
  }
  for (const X509* certificate : certificates) {
    // PKCS7_add_certificate takes its own reference; it does not modify the certificate.
    if (PKCS7_add_certificate(pkcs7.get(), const_cast<X509*>(certificate)) != 1) {
      throw std::runtime_error("cannot add a certificate to PKCS#7: " + take_openssl_errors());
    }
  }
  unsigned char* der = nullptr;
  const int length = i2d_PKCS7(pkcs7.get(), &der);
  if (length <= 0) throw std::runtime_error("cannot encode PKCS#7: " + take_openssl_errors());
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
  OPENSSL_free(der);
  return out;
}

std::string_view csr_attributes_der() noexcept {
  return {reinterpret_cast<const char*>(kCsrAttributes.data()), kCsrAttributes.size()};
}

}  // namespace certacl::ca::est
