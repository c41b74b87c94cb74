#include "csr_policy.h"

#include <gtest/gtest.h>

#include "ca_test_world.h"
#include "hostile_keys.h"
#include "key_file.h"

namespace certacl::ca {
namespace {

using test::make_csr_pem;

std::string problem_of(const std::string& pem) {
  return validate_csr_pem(pem).problem;
}

TEST(CsrPolicy, AcceptsEveryAllowedKeyType) {
  for (const KeyType type : {KeyType::kEcP256, KeyType::kEcP384, KeyType::kEd25519}) {
    const EvpPkeyPtr key = generate_key(type);
    const CsrVerdict verdict = validate_csr_pem(make_csr_pem({{"CN", "dev1"}}, key.get()));
    ASSERT_TRUE(verdict.accepted) << to_string(type) << ": " << verdict.problem;
    EXPECT_EQ(verdict.accepted->common_name, "dev1");
    EXPECT_EQ(EVP_PKEY_eq(verdict.accepted->public_key.get(), key.get()), 1);
  }
  const EvpPkeyPtr rsa = test::make_rsa_key(2048);
  EXPECT_EQ(problem_of(make_csr_pem({{"CN", "dev1"}}, rsa.get())), "");
}

TEST(CsrPolicy, RefusesRsaOutside2048To8192Bits) {
  const EvpPkeyPtr rsa = test::make_rsa_key(1024);
  EXPECT_EQ(problem_of(make_csr_pem({{"CN", "dev1"}}, rsa.get())),
            "its RSA key has 1024 bits (2048..8192 accepted)");
  const EvpPkeyPtr huge = test::make_fake_rsa_key(16384);
  EXPECT_EQ(problem_of(make_csr_pem({{"CN", "dev1"}}, huge.get())),
            "its RSA key has 16384 bits (2048..8192 accepted)");
}

// e = 1 makes "signing" the identity: anyone with the certificate holds a working key.
TEST(CsrPolicy, RefusesRsaExponentsBelow65537) {
  const EvpPkeyPtr one = test::make_rsa_key_exponent_one();
  const std::string one_csr = make_csr_pem({{"CN", "dev1"}}, one.get());
  EXPECT_EQ(problem_of(one_csr),
            "its RSA public exponent 1 is not accepted (an odd e >= 65537 is required)");
  const EvpPkeyPtr three = test::make_rsa_key_with_exponent(2048, 3);
  EXPECT_EQ(problem_of(make_csr_pem({{"CN", "dev1"}}, three.get())),
            "its RSA public exponent 3 is not accepted (an odd e >= 65537 is required)");
  const EvpPkeyPtr big = test::make_rsa_key_with_exponent(2048, 65539);
  EXPECT_EQ(problem_of(make_csr_pem({{"CN", "dev1"}}, big.get())), "");
}

TEST(CsrPolicy, RefusesKeysFailingOpensslPublicCheck) {
  const EvpPkeyPtr key = test::make_rsa_key_with_small_factor(2048);
  EXPECT_EQ(problem_of(make_csr_pem({{"CN", "dev1"}}, key.get())),
            "its public key fails OpenSSL's public key check");
}

// RFC 5480: named curves only; explicit parameters would be copied into the certificate.
TEST(CsrPolicy, RefusesExplicitCurveParameters) {
  const EvpPkeyPtr key = test::make_explicit_p256_key();
  EXPECT_EQ(problem_of(make_csr_pem({{"CN", "dev1"}}, key.get())),
            "its EC key has explicit curve parameters (a named curve is required, RFC 5480)");
}

TEST(CsrPolicy, RefusesOtherCurves) {
  const EvpPkeyPtr key(EVP_EC_gen("secp256k1"));
  ASSERT_TRUE(key);
  EXPECT_NE(problem_of(make_csr_pem({{"CN", "dev1"}}, key.get())).find("secp256k1"),
            std::string::npos);
}

TEST(CsrPolicy, RefusesSignatureByAnotherKey) {
  const EvpPkeyPtr key = generate_key(KeyType::kEcP256);
  const EvpPkeyPtr other = generate_key(KeyType::kEcP256);
  EXPECT_EQ(problem_of(make_csr_pem({{"CN", "dev1"}}, key.get(), other.get())),
            "its self-signature does not verify");
}

TEST(CsrPolicy, RequiresExactlyOneCommonName) {
  const EvpPkeyPtr key = generate_key(KeyType::kEcP256);
  EXPECT_EQ(problem_of(make_csr_pem({{"O", "acme"}}, key.get())), "its subject has no CN");
  EXPECT_EQ(problem_of(make_csr_pem({{"CN", "dev1"}, {"CN", "dev2"}}, key.get())),
            "its subject has 2 CNs (exactly one required)");
}

TEST(CsrPolicy, IgnoresExtraSubjectFieldsAndRequestedExtensions) {
  const EvpPkeyPtr key = generate_key(KeyType::kEcP256);
  const CsrVerdict verdict = validate_csr_pem(
      make_csr_pem({{"O", "evil"}, {"CN", "dev1"}, {"OU", "x"}}, key.get(), nullptr, true));
  ASSERT_TRUE(verdict.accepted) << verdict.problem;
  EXPECT_EQ(verdict.accepted->common_name, "dev1");
}

TEST(CsrPolicy, RefusesNamesThatWidenTopicPatterns) {
  const EvpPkeyPtr key = generate_key(KeyType::kEcP256);
  for (const std::string& name :
       std::vector<std::string>{"a/b", "+", "#", "dev\x01", std::string("de\0v", 4)}) {
    const std::string problem = problem_of(make_csr_pem({{"CN", name}}, key.get()));
    EXPECT_NE(problem.find("is not a valid device name"), std::string::npos) << problem;
  }
  EXPECT_NE(problem_of(make_csr_pem({{"CN", std::string(65, 'a')}}, key.get())), "");
}

TEST(CsrPolicy, RefusesGarbageWithoutThrowing) {
  for (const std::string& input :
       std::vector<std::string>{std::string{}, std::string("hello"),
                                std::string("-----BEGIN CERTIFICATE REQUEST-----\n"
                                            "AAAA\n-----END CERTIFICATE REQUEST-----\n"),
                                std::string(1000, '\0')}) {
    EXPECT_EQ(problem_of(input), "it is not a PEM certificate request");
  }
}

TEST(CsrPolicy, ServerCsrChecksKeyAndSignatureOnly) {
  const EvpPkeyPtr key = generate_key(KeyType::kEcP256);
  EXPECT_TRUE(validate_server_csr_pem(make_csr_pem({{"CN", "broker/1"}}, key.get())).accepted);
  const EvpPkeyPtr weak = test::make_rsa_key(1024);
  EXPECT_FALSE(validate_server_csr_pem(make_csr_pem({{"CN", "b"}}, weak.get())).accepted);
}

}  // namespace
}  // namespace certacl::ca
