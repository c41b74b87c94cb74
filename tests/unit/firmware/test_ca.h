#pragma once
// A throwaway CA made with OpenSSL in memory, for checking what the firmware core accepts.
// OpenSSL on purpose: the core's mbedTLS output must satisfy the implementation the real
// certacl-ca uses, and the certificates it checks come from that implementation.

#include <string>

#include "certacl/openssl_handles.h"

namespace certacl::fw::test {

struct SignOptions {
  std::string common_name;  // empty: take the CSR's subject as it is
  long valid_from_offset_seconds = -60;
  long valid_for_seconds = 3600;
  std::string extended_key_usage = "clientAuth";  // empty: no extension
};

class TestCa {
 public:
  explicit TestCa(const std::string& name = "firmware test CA");
  [[nodiscard]] const std::string& certificate_pem() const noexcept { return certificate_pem_; }
  // Signs the CSR's public key; fails the test (and returns "") on malformed input.
  std::string sign(const std::string& csr_pem, const SignOptions& options = {});

 private:
  EvpPkeyPtr key_;
  X509Ptr certificate_;
  std::string certificate_pem_;
};

}  // namespace certacl::fw::test
