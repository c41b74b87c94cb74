#include "certacl_fw/x509_chain.h"

#include <string>

#include "certacl_fw/random.h"

namespace certacl::fw {

Status X509Chain::parse_pem(std::string_view pem, std::string_view what) {
  if (pem.find("-----BEGIN CERTIFICATE-----") == std::string_view::npos) {
    return Status::failure("cannot read " + std::string(what) + ": no PEM certificate");
  }
  // mbedTLS parses PEM only when the length counts a terminating NUL.
  const std::string text(pem);
  const int rc = mbedtls_x509_crt_parse(
      &chain_, reinterpret_cast<const unsigned char*>(text.c_str()), text.size() + 1);
  // A positive result counts certificates that failed to parse.
  if (rc != 0) {
    return Status::failure(
        "cannot read " + std::string(what) + ": " +
        (rc > 0 ? std::string("malformed certificate") : mbedtls_error_text(rc)));
  }
  return Status::success();
}

}  // namespace certacl::fw
