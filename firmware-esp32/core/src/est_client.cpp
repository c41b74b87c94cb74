#include "certacl_fw/est_client.h"

#include <mbedtls/asn1.h>
#include <mbedtls/base64.h>
#include <mbedtls/pem.h>

#include <cctype>
#include <cstring>
#include <string>

#include "certacl_fw/random.h"

namespace certacl::fw {
namespace {

constexpr std::string_view kPathPrefix = "/.well-known/est/";
// A certs-only answer bigger than this is not what a device CA sends; refuse it.
constexpr std::size_t kMaxResponseBytes = std::size_t{16} * 1024;

// 1.2.840.113549.1.7.2 (PKCS#7 signedData), DER contents of the OID.
constexpr unsigned char kSignedDataOid[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02};

std::string strip_whitespace(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c)) == 0) out.push_back(c);
  }
  return out;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Result<std::string> der_to_pem(const unsigned char* der, std::size_t size) {
  std::string pem(size * 2 + 128, '\0');
  std::size_t written = 0;
  const int rc = mbedtls_pem_write_buffer(
      "-----BEGIN CERTIFICATE-----\n", "-----END CERTIFICATE-----\n", der, size,
      reinterpret_cast<unsigned char*>(pem.data()), pem.size(), &written);
  if (rc != 0)
    return Status::failure("cannot write a certificate as PEM: " + mbedtls_error_text(rc));
  pem.resize(written > 0 ? written - 1 : 0);  // written counts the terminating NUL
  return pem;
}

Status malformed(std::string_view why) {
  return Status::failure("the EST answer is not a PKCS#7 certs-only message: " + std::string(why));
}

// ContentInfo { contentType signedData, [0] EXPLICIT SignedData { version, digestAlgorithms,
// encapContentInfo, [0] IMPLICIT certificates, ... } } (RFC 5652): walk to the certificates.
Result<std::vector<std::string>> certificates_from_der(unsigned char* p, const unsigned char* end) {
  std::size_t length = 0;
  if (mbedtls_asn1_get_tag(&p, end, &length, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0)
    return malformed("no ContentInfo");
  end = p + length;
  if (mbedtls_asn1_get_tag(&p, end, &length, MBEDTLS_ASN1_OID) != 0 ||
      length != sizeof(kSignedDataOid) || std::memcmp(p, kSignedDataOid, length) != 0)
    return malformed("not signedData");
  p += length;
  if (mbedtls_asn1_get_tag(&p, end, &length,
                           MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0) != 0)
    return malformed("no content");
  if (mbedtls_asn1_get_tag(&p, end, &length, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0)
    return malformed("no SignedData");
  end = p + length;
  int version = 0;
  if (mbedtls_asn1_get_int(&p, end, &version) != 0) return malformed("no version");
  if (mbedtls_asn1_get_tag(&p, end, &length, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SET) != 0)
    return malformed("no digestAlgorithms");
  p += length;
  if (mbedtls_asn1_get_tag(&p, end, &length, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0)
    return malformed("no encapContentInfo");
  p += length;
  if (mbedtls_asn1_get_tag(&p, end, &length,
                           MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0) != 0)
    return malformed("no certificates");
  const unsigned char* certificates_end = p + length;
  std::vector<std::string> pems;
  while (p < certificates_end) {
    unsigned char* start = p;
    if (mbedtls_asn1_get_tag(&p, certificates_end, &length,
                             MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0)
      return malformed("a certificate is not a SEQUENCE");
    p += length;
    auto pem = der_to_pem(start, static_cast<std::size_t>(p - start));
    if (!pem) return pem.status();
    pems.push_back(std::move(pem.value()));
  }
  if (pems.empty()) return malformed("it holds no certificate");
  return pems;
}

Status http_failure(std::string_view operation, const EstResponse& response) {
  std::string why;
  switch (response.status) {
    case 401:
      why = "the server refused the credentials (wrong, used or expired token, or certificate)";
      break;
    case 403:
      why = "the server refused this device";
      break;
    case 404:
      why = "the server has no such EST operation";
      break;
    default:
      why = "unexpected answer";
  }
  std::string detail = response.body.substr(0, 200);
  for (char& c : detail) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return Status::failure("EST " + std::string(operation) + " failed: HTTP " +
                         std::to_string(response.status) + ", " + why +
                         (detail.empty() ? "" : " (" + detail + ")"));
}

}  // namespace

Result<std::string> pem_body_base64(std::string_view pem) {
  const auto begin = pem.find("-----BEGIN ");
  const auto header_end = begin == std::string_view::npos ? begin : pem.find('\n', begin);
  const auto footer = pem.find("-----END ");
  if (header_end == std::string_view::npos || footer == std::string_view::npos ||
      footer < header_end)
    return Status::failure("not a PEM block");
  return strip_whitespace(pem.substr(header_end + 1, footer - header_end - 1));
}

Result<std::vector<std::string>> certificates_from_pkcs7_base64(std::string_view body) {
  const std::string text = strip_whitespace(body);
  if (text.empty() || text.size() > kMaxResponseBytes * 4 / 3 + 4)
    return malformed("empty or too large");
  std::string der(text.size(), '\0');
  std::size_t size = 0;
  const int rc =
      mbedtls_base64_decode(reinterpret_cast<unsigned char*>(der.data()), der.size(), &size,
                            reinterpret_cast<const unsigned char*>(text.data()), text.size());
  if (rc != 0) return malformed("not base64");
  auto* start = reinterpret_cast<unsigned char*>(der.data());
  return certificates_from_der(start, start + size);
}

Result<std::vector<std::string>> EstClient::ca_certificates() {
  EstRequest request;
  request.path = std::string(kPathPrefix) + "cacerts";
  auto response = transport_.exchange(request);
  if (!response) return Status::failure("EST cacerts failed: " + response.error());
  if (response.value().status != 200) return http_failure("cacerts", response.value());
  return certificates_from_pkcs7_base64(response.value().body);
}

Result<std::string> EstClient::simple_enroll(std::string_view csr_pem, const BasicAuth& auth) {
  EstRequest request;
  request.basic_auth = auth;
  return enroll("simpleenroll", std::move(request), csr_pem);
}

Result<std::string> EstClient::simple_reenroll(std::string_view csr_pem,
                                               const DeviceCredentials& current) {
  EstRequest request;
  request.client_identity = &current;
  return enroll("simplereenroll", std::move(request), csr_pem);
}

Result<std::string> EstClient::enroll(std::string_view operation, EstRequest request,
                                      std::string_view csr_pem) {
  auto body = pem_body_base64(csr_pem);
  if (!body) return Status::failure("cannot send the CSR: " + body.error());
  request.post = true;
  request.path = std::string(kPathPrefix) + std::string(operation);
  request.content_type = "application/pkcs10";
  request.body = std::move(body.value());
  auto response = transport_.exchange(request);
  if (!response)
    return Status::failure("EST " + std::string(operation) + " failed: " + response.error());
  if (response.value().status != 200) return http_failure(operation, response.value());
  if (lower(response.value().content_type).rfind("application/pkcs7-mime", 0) != 0) {
    return Status::failure("EST " + std::string(operation) + " answered '" +
                           response.value().content_type + "', not application/pkcs7-mime");
  }
  auto certificates = certificates_from_pkcs7_base64(response.value().body);
  if (!certificates) return certificates.status();
  // The issued certificate comes first; anything after it is chain the device already has.
  return std::move(certificates.value().front());
}

}  // namespace certacl::fw
