// Attacker-controlled certificate signing requests through the CA's own acceptance rules
// (ca-service/src/csr_policy.h). The same bytes are read as PEM and as DER, so the fuzzer
// reaches both the text armour and the ASN.1 structure behind it. An accepted CSR must
// name a valid device and carry a key: anything else aborts.

#include <openssl/x509.h>

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "certacl/identity.h"
#include "certacl/openssl_handles.h"
#include "csr_policy.h"

namespace {

void check_device_verdict(const certacl::ca::CsrVerdict& verdict) {
  if (verdict.accepted) {
    if (!verdict.problem.empty() || !verdict.accepted->public_key) std::abort();
    if (!certacl::device_name_problem(verdict.accepted->common_name).empty()) std::abort();
    if (!certacl::ca::public_key_problem(verdict.accepted->public_key.get()).empty()) std::abort();
  } else if (verdict.problem.empty()) {
    std::abort();  // a refusal must say why
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_device_verdict(certacl::ca::validate_csr_pem(text));
  const certacl::ca::CsrVerdict server = certacl::ca::validate_server_csr_pem(text);
  if (!server.accepted && server.problem.empty()) std::abort();

  const unsigned char* cursor = data;
  certacl::X509ReqPtr request(d2i_X509_REQ(nullptr, &cursor, static_cast<long>(size)));
  if (request) check_device_verdict(certacl::ca::validate_csr(request.get()));
  (void)certacl::take_openssl_errors();
  return 0;
}
