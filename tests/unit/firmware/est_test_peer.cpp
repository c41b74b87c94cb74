#include "est_test_peer.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>

#include <memory>

#include "certacl_fw/certificate_check.h"
#include "certacl_fw/provisioning.h"

namespace certacl::fw::test {
namespace {

std::string base64(const unsigned char* data, int size) {
  std::string out(static_cast<std::size_t>(4 * ((size + 2) / 3)) + 1, '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, size);
  out.resize(static_cast<std::size_t>(written));
  return out;
}

std::string csr_pem_of(const std::string& base64_der) {
  std::string pem = "-----BEGIN CERTIFICATE REQUEST-----\n";
  for (std::size_t i = 0; i < base64_der.size(); i += 64) pem += base64_der.substr(i, 64) + "\n";
  return pem + "-----END CERTIFICATE REQUEST-----\n";
}

EstResponse pkcs7_response(const std::vector<std::string>& pems) {
  return EstResponse{200, "application/pkcs7-mime; smime-type=certs-only",
                     pkcs7_certs_only_base64(pems)};
}

}  // namespace

std::string pkcs7_certs_only_base64(const std::vector<std::string>& certificate_pems) {
  std::unique_ptr<PKCS7, decltype(&PKCS7_free)> p7(PKCS7_new(), PKCS7_free);
  EXPECT_EQ(PKCS7_set_type(p7.get(), NID_pkcs7_signed), 1);
  EXPECT_EQ(PKCS7_content_new(p7.get(), NID_pkcs7_data), 1);
  for (const auto& pem : certificate_pems) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
    std::unique_ptr<X509, decltype(&X509_free)> certificate(
        PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free);
    EXPECT_TRUE(certificate);
    EXPECT_EQ(PKCS7_add_certificate(p7.get(), certificate.get()), 1);
  }
  unsigned char* der = nullptr;
  const int size = i2d_PKCS7(p7.get(), &der);
  EXPECT_GT(size, 0);
  std::string out = base64(der, size);
  OPENSSL_free(der);
  return out;
}

Result<EstResponse> EstTestPeer::exchange(const EstRequest& request) {
  seen.push_back(Seen{request.path, request.content_type, request.body,
                      request.basic_auth.has_value(), request.client_identity != nullptr});
  if (unreachable) return Status::failure("connection refused");
  if (!request.post && request.path == "/.well-known/est/cacerts") {
    return pkcs7_response({ca_.certificate_pem()});
  }
  if (!request.post || request.content_type != "application/pkcs10") {
    return EstResponse{400, "text/plain", "bad request"};
  }
  SignOptions options = sign_options;
  if (!sign_as.empty()) options.common_name = sign_as;
  if (request.path == "/.well-known/est/simpleenroll") {
    if (!request.basic_auth || request.basic_auth->username != device_name_ ||
        request.basic_auth->password != token_ || token_used_) {
      return EstResponse{401, "text/plain", "token refused"};
    }
    token_used_ = true;
    return pkcs7_response({ca_.sign(csr_pem_of(request.body), options), ca_.certificate_pem()});
  }
  if (request.path == "/.well-known/est/simplereenroll") {
    if (request.client_identity == nullptr) return EstResponse{401, "text/plain", "no certificate"};
    auto name = certificate_common_name(request.client_identity->certificate_pem);
    if (!name || name.value() != device_name_) return EstResponse{403, "text/plain", "not you"};
    return pkcs7_response({ca_.sign(csr_pem_of(request.body), options)});
  }
  return EstResponse{404, "text/plain", "no such operation"};
}

}  // namespace certacl::fw::test
