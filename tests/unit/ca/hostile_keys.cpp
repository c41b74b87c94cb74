#include "hostile_keys.h"

#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include <stdexcept>
#include <string>

namespace certacl::ca::test {
namespace {

using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, OpensslDeleter<OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, OpensslDeleter<OSSL_PARAM_free>>;

EvpPkeyPtr rsa_from(const BIGNUM* n, const BIGNUM* e, const BIGNUM* d) {
  const ParamBldPtr builder(OSSL_PARAM_BLD_new());
  if (!builder || OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, e) != 1 ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_D, d) != 1) {
    throw std::runtime_error("cannot build RSA parameters");
  }
  const ParamPtr params(OSSL_PARAM_BLD_to_param(builder.get()));
  const EvpPkeyCtxPtr context(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!context || EVP_PKEY_fromdata_init(context.get()) != 1 ||
      EVP_PKEY_fromdata(context.get(), &raw, EVP_PKEY_KEYPAIR, params.get()) != 1) {
    throw std::runtime_error("cannot build RSA key from data");
  }
  return EvpPkeyPtr(raw);
}

BignumPtr word(unsigned long value) {
  BignumPtr number(BN_new());
  if (!number || BN_set_word(number.get(), value) != 1) throw std::runtime_error("BN_set_word");
  return number;
}

}  // namespace

EvpPkeyPtr make_rsa_key_with_exponent(int bits, unsigned long exponent) {
  const EvpPkeyCtxPtr context(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  const BignumPtr e = word(exponent);
  EVP_PKEY* raw = nullptr;
  if (!context || EVP_PKEY_keygen_init(context.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_keygen_bits(context.get(), bits) != 1 ||
      EVP_PKEY_CTX_set1_rsa_keygen_pubexp(context.get(), e.get()) != 1 ||
      EVP_PKEY_keygen(context.get(), &raw) != 1) {
    throw std::runtime_error("cannot generate RSA key with exponent " + std::to_string(exponent));
  }
  return EvpPkeyPtr(raw);
}

EvpPkeyPtr make_rsa_key_exponent_one() {
  const EvpPkeyPtr real(EVP_RSA_gen(2048));
  BIGNUM* raw_n = nullptr;
  if (!real || EVP_PKEY_get_bn_param(real.get(), OSSL_PKEY_PARAM_RSA_N, &raw_n) != 1) {
    throw std::runtime_error("cannot read RSA modulus");
  }
  const BignumPtr n(raw_n);
  const BignumPtr one = word(1);
  return rsa_from(n.get(), one.get(), one.get());
}

EvpPkeyPtr make_fake_rsa_key(int bits) {
  const BignumPtr n(BN_new());
  if (!n || BN_rand(n.get(), bits, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ODD) != 1) {
    throw std::runtime_error("BN_rand");
  }
  const BignumPtr e = word(65537);
  const BignumPtr d = word(3);
  return rsa_from(n.get(), e.get(), d.get());
}

EvpPkeyPtr make_rsa_key_with_small_factor(int bits) {
  const BignumPtr n(BN_new());
  const BignumPtr two = word(2);
  if (!n || BN_rand(n.get(), bits, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ODD) != 1) {
    throw std::runtime_error("BN_rand");
  }
  // Odd plus 2 stays odd; one of any three consecutive odd numbers is divisible by 3.
  for (int step = 0; step < 3 && BN_mod_word(n.get(), 3) != 0; ++step) {
    if (BN_add(n.get(), n.get(), two.get()) != 1) throw std::runtime_error("BN_add");
  }
  const BignumPtr e = word(65537);
  const BignumPtr d = word(3);
  return rsa_from(n.get(), e.get(), d.get());
}

EvpPkeyPtr make_explicit_p256_key() {
  const EvpPkeyCtxPtr context(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  std::string group = "P-256";
  std::string encoding = OSSL_PKEY_EC_ENCODING_EXPLICIT;
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group.data(), 0),
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_EC_ENCODING, encoding.data(), 0),
      OSSL_PARAM_construct_end()};
  EVP_PKEY* raw = nullptr;
  if (!context || EVP_PKEY_keygen_init(context.get()) != 1 ||
      EVP_PKEY_CTX_set_params(context.get(), params) != 1 ||
      EVP_PKEY_keygen(context.get(), &raw) != 1) {
    throw std::runtime_error("cannot generate explicit-parameter P-256 key");
  }
  return EvpPkeyPtr(raw);
}

}  // namespace certacl::ca::test
