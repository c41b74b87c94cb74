#include "test_ca.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "certacl/certificate_facts.h"

namespace certacl::fw::test {
namespace {

EvpPkeyPtr make_p256_key() {
  return EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
}

void add_extension(X509* certificate, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  X509ExtensionPtr extension(X509V3_EXT_conf_nid(nullptr, &context, nid, value));
  ASSERT_NE(extension, nullptr) << "bad extension " << value;
  ASSERT_EQ(X509_add_ext(certificate, extension.get(), -1), 1);
}

}  // namespace

TestCa::TestCa(const std::string& name) : key_(make_p256_key()), certificate_(X509_new()) {
  X509* cert = certificate_.get();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_NAME* subject = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert, subject);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
  X509_set_pubkey(cert, key_.get());
  add_extension(cert, cert, NID_basic_constraints, "critical,CA:TRUE");
  add_extension(cert, cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  add_extension(cert, cert, NID_subject_key_identifier, "hash");
  EXPECT_GT(X509_sign(cert, key_.get(), EVP_sha256()), 0);
  certificate_pem_ = certificate_to_pem(cert);
}

std::string TestCa::sign(const std::string& csr_pem, const SignOptions& options) {
  BioPtr input(BIO_new_mem_buf(csr_pem.data(), static_cast<int>(csr_pem.size())));
  X509ReqPtr request(PEM_read_bio_X509_REQ(input.get(), nullptr, nullptr, nullptr));
  EXPECT_NE(request, nullptr) << "the CSR is not PEM";
  if (!request) return {};
  EvpPkeyPtr public_key(X509_REQ_get_pubkey(request.get()));

  X509Ptr certificate(X509_new());
  X509* cert = certificate.get();
  X509_set_version(cert, 2);
  static long serial = 100;
  ASN1_INTEGER_set(X509_get_serialNumber(cert), ++serial);
  if (options.common_name.empty()) {
    X509_set_subject_name(cert, X509_REQ_get_subject_name(request.get()));
  } else {
    X509_NAME* subject = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(options.common_name.c_str()),
                               -1, -1, 0);
  }
  X509_set_issuer_name(cert, X509_get_subject_name(certificate_.get()));
  X509_gmtime_adj(X509_getm_notBefore(cert), options.valid_from_offset_seconds);
  X509_gmtime_adj(X509_getm_notAfter(cert),
                  options.valid_from_offset_seconds + options.valid_for_seconds);
  X509_set_pubkey(cert, public_key.get());
  add_extension(cert, certificate_.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_extension(cert, certificate_.get(), NID_key_usage, "critical,digitalSignature");
  if (!options.extended_key_usage.empty()) {
    add_extension(cert, certificate_.get(), NID_ext_key_usage, options.extended_key_usage.c_str());
  }
  add_extension(cert, certificate_.get(), NID_authority_key_identifier, "keyid");
  EXPECT_GT(X509_sign(cert, key_.get(), EVP_sha256()), 0);
  return certificate_to_pem(cert);
}

}  // namespace certacl::fw::test
