#pragma once
// RAII owner of an mbedtls_x509_crt list, parsed from PEM.

#include <mbedtls/x509_crt.h>

#include <string_view>

#include "certacl_fw/result.h"

namespace certacl::fw {

class X509Chain {
 public:
  X509Chain() { mbedtls_x509_crt_init(&chain_); }
  ~X509Chain() { mbedtls_x509_crt_free(&chain_); }
  X509Chain(const X509Chain&) = delete;
  X509Chain& operator=(const X509Chain&) = delete;

  // `what` names the certificate in the error ("the CA certificate").
  Status parse_pem(std::string_view pem, std::string_view what);
  [[nodiscard]] mbedtls_x509_crt& first() noexcept { return chain_; }

 private:
  mbedtls_x509_crt chain_{};
};

}  // namespace certacl::fw
