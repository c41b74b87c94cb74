// The connect path reads the serial and the SHA-256 fingerprint itself (cheaper than through
// a BIGNUM and a per-call digest lookup). They must be exactly the text the CA recorded with
// certificate_facts.h, or every connect would be refused: checked on serials of every shape
// and on the certificates of the identity fuzz corpus.
#include "presented_certificate.h"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "certacl/certificate_facts.h"
#include "certacl/openssl_handles.h"
#include "certacl_test/paths.h"

namespace certacl::policy {
namespace {

X509Ptr certificate_with_serial(const std::string& serial_hex_text, bool negative,
                                const char* san) {
  EvpPkeyPtr key(EVP_EC_gen("P-256"));
  X509Ptr certificate(X509_new());
  X509_set_version(certificate.get(), 2);
  BIGNUM* number = nullptr;
  BN_hex2bn(&number, serial_hex_text.c_str());
  const BignumPtr owned(number);
  BN_set_negative(number, negative ? 1 : 0);
  BN_to_ASN1_INTEGER(number, X509_get_serialNumber(certificate.get()));
  X509_gmtime_adj(X509_getm_notBefore(certificate.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(certificate.get()), 3600);
  X509_NAME* name = X509_get_subject_name(certificate.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("dev1"), -1, -1, 0);
  X509_set_issuer_name(certificate.get(), name);
  if (san != nullptr) {
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, san);
    X509_add_ext(certificate.get(), extension, -1);
    X509_EXTENSION_free(extension);
  }
  X509_set_pubkey(certificate.get(), key.get());
  X509_sign(certificate.get(), key.get(), EVP_sha256());
  return certificate;
}

void expect_same_as_recorded(const X509* certificate, const std::string& what) {
  const auto facts = read_presented_certificate(certificate);
  ASSERT_TRUE(facts.has_value()) << what;
  EXPECT_EQ(facts->serial, serial_hex(certificate)) << what;
  EXPECT_EQ(facts->sha256, sha256_fingerprint(certificate)) << what;
  EXPECT_EQ(facts->san_dns, subject_alt_names(certificate, GEN_DNS)) << what;
  EXPECT_EQ(facts->san_uri, subject_alt_names(certificate, GEN_URI)) << what;
}

TEST(PresentedCertificateTest, SerialAndFingerprintAreTheTextTheCaRecorded) {
  // Zero, one byte, a high bit (DER pads it), a leading zero nibble, 20 random-looking bytes.
  for (const char* serial : {"0", "1", "0A", "7F", "80", "FF", "100", "0F00",
                             "5DEECE66D0123456789ABCDEF0123456789ABCDE"}) {
    const X509Ptr certificate = certificate_with_serial(serial, false, nullptr);
    expect_same_as_recorded(certificate.get(), serial);
  }
  const X509Ptr negative = certificate_with_serial("1234", true, nullptr);
  expect_same_as_recorded(negative.get(), "negative serial");
  EXPECT_EQ(read_presented_certificate(negative.get())->serial, "-1234");
}

TEST(PresentedCertificateTest, SubjectAltNamesAreReadOnlyWhenPresentAndThenInFull) {
  const X509Ptr plain = certificate_with_serial("42", false, nullptr);
  EXPECT_TRUE(read_presented_certificate(plain.get())->san_dns.empty());
  const X509Ptr with_sans =
      certificate_with_serial("43", false, "DNS:a.example,URI:urn:dev:1,DNS:b.example");
  expect_same_as_recorded(with_sans.get(), "SANs");
  EXPECT_EQ(read_presented_certificate(with_sans.get())->san_dns.size(), 2U);
}

TEST(PresentedCertificateTest, CorpusCertificatesReadTheSameAsRecorded) {
  const std::filesystem::path corpus =
      std::filesystem::path(test::source_dir()) / "tests/fuzz/corpus/plugin_identity_fuzz";
  int read = 0;
  for (const auto& entry : std::filesystem::directory_iterator(corpus)) {
    std::ifstream file(entry.path(), std::ios::binary);
    const std::string der((std::istreambuf_iterator<char>(file)), {});
    const X509Ptr certificate = parse_certificate_der(der);
    if (!certificate || !read_presented_certificate(certificate.get())) continue;
    expect_same_as_recorded(certificate.get(), entry.path().filename().string());
    ++read;
  }
  EXPECT_GE(read, 5);
}

}  // namespace
}  // namespace certacl::policy
