#pragma once
// An EST server in the test process: answers EstClient's requests the way certacl-ca serve
// does (RFC 7030 PKCS#7 certs-only, base64), signing with a TestCa (OpenSSL). It checks the
// Basic credentials of simpleenroll (one-time token) and that simplereenroll came with a
// client identity for the same name, and records every request.

#include <string>
#include <vector>

#include "certacl_fw/est_transport.h"
#include "test_ca.h"

namespace certacl::fw::test {

// PKCS#7 certs-only (OpenSSL), base64 without line breaks.
std::string pkcs7_certs_only_base64(const std::vector<std::string>& certificate_pems);

class EstTestPeer final : public EstTransport {
 public:
  EstTestPeer(TestCa& ca, std::string device_name, std::string token)
      : ca_(ca), device_name_(std::move(device_name)), token_(std::move(token)) {}

  Result<EstResponse> exchange(const EstRequest& request) override;

  struct Seen {
    std::string path;
    std::string content_type;
    std::string body;
    bool basic_auth = false;
    bool client_identity = false;
  };
  std::vector<Seen> seen;
  SignOptions sign_options;
  bool unreachable = false;
  // Signs for this name instead of the CSR's (a server gone wrong).
  std::string sign_as;

 private:
  TestCa& ca_;
  std::string device_name_;
  std::string token_;
  bool token_used_ = false;
};

}  // namespace certacl::fw::test
