// The certificate carries the CSR's SubjectPublicKeyInfo without an encoder round trip
// (subject_public_key.h): it must be byte for byte what X509_set_pubkey would have
// written, and the recorded key digest what public_key_sha256 computes.

#include "subject_public_key.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/pem.h>

#include "ca_test_world.h"
#include "certacl/certificate_facts.h"
#include "csr_policy.h"
#include "device_issuance.h"

namespace certacl::ca {
namespace {

using test::CaWorld;
using test::make_csr_pem;

std::string der_of(const X509_PUBKEY* spki) {
  unsigned char* der = nullptr;
  const int length = i2d_X509_PUBKEY(spki, &der);
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
  OPENSSL_free(der);
  return out;
}

std::string encoded_by_openssl(const EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int length = i2d_PUBKEY(key, &der);
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
  OPENSSL_free(der);
  return out;
}

std::string recorded_key_digest(SqliteDatabase& db, const std::string& serial) {
  Statement query = db.prepare("SELECT public_key_sha256 FROM certificates WHERE serial = ?1");
  query.bind(1, serial);
  EXPECT_TRUE(query.step());
  return query.column_text(0);
}

// Issues a certificate for dev1 from a CSR of `key` and checks its SPKI and digest.
void expect_same_key_as_the_encoder_path(EVP_PKEY* key, bool copied) {
  CaWorld world;
  DeviceIssueRequest request;
  request.csr_pem = make_csr_pem({{"CN", "dev1"}}, key);
  request.csr_origin = "test.csr";
  const CsrVerdict verdict = validate_csr_pem(request.csr_pem);
  ASSERT_TRUE(verdict.accepted) << verdict.problem;
  EXPECT_EQ(verdict.accepted->spki != nullptr, copied);

  const IssuedCertificate issued = issue_device_certificate(world.db(), world.authority(), request);
  const X509Ptr reparsed = parse_certificate_pem(issued.pem);
  ASSERT_TRUE(reparsed);
  EXPECT_EQ(der_of(X509_get_X509_PUBKEY(reparsed.get())), encoded_by_openssl(key));
  EXPECT_EQ(spki_sha256(X509_get_X509_PUBKEY(reparsed.get())), public_key_sha256(key));
  EXPECT_EQ(recorded_key_digest(world.db(), issued.serial), public_key_sha256(key));
  // The certificate verifies under the CA key and its key is usable after parsing.
  EXPECT_EQ(X509_verify(reparsed.get(), X509_get0_pubkey(world.authority().certificate())), 1);
  EXPECT_EQ(EVP_PKEY_eq(X509_get0_pubkey(reparsed.get()), key), 1);
}

TEST(SubjectPublicKeyTest, EcP256AndP384AreCopiedAsTheEncoderWouldWriteThem) {
  const EvpPkeyPtr p256 = generate_key(KeyType::kEcP256);
  expect_same_key_as_the_encoder_path(p256.get(), true);
  const EvpPkeyPtr p384 = generate_key(KeyType::kEcP384);
  expect_same_key_as_the_encoder_path(p384.get(), true);
}

TEST(SubjectPublicKeyTest, Ed25519IsCopied) {
  const EvpPkeyPtr key = generate_key(KeyType::kEd25519);
  expect_same_key_as_the_encoder_path(key.get(), true);
}

TEST(SubjectPublicKeyTest, RsaTakesTheEncoderPath) {
  const EvpPkeyPtr key = test::make_rsa_key(2048);
  expect_same_key_as_the_encoder_path(key.get(), false);
}

// A compressed point stays compressed, as OpenSSL's re-encoding kept it before.
TEST(SubjectPublicKeyTest, CompressedEcPointKeepsItsForm) {
  const EvpPkeyPtr key = generate_key(KeyType::kEcP256);
  ASSERT_EQ(EVP_PKEY_set_utf8_string_param(key.get(), OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
                                           OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_COMPRESSED),
            1);
  ASSERT_EQ(encoded_by_openssl(key.get()).size(), 59U);  // 26 bytes of header + 33 of point
  expect_same_key_as_the_encoder_path(key.get(), true);
}

}  // namespace
}  // namespace certacl::ca
