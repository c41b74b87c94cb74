#pragma once
// Keys no honest device would send, built with OpenSSL's own API so each test CSR carries
// exactly the defect under test: tiny or even RSA exponents, out-of-range moduli, and EC
// keys with explicit (specifiedCurve) parameters.

#include "certacl/openssl_handles.h"

namespace certacl::ca::test {

// A real RSA key of `bits` with public exponent `exponent` (e.g. 3).
[[nodiscard]] EvpPkeyPtr make_rsa_key_with_exponent(int bits, unsigned long exponent);
// An RSA "key" with e = 1 and d = 1 over a real 2048-bit modulus: its signatures verify,
// and anyone holding the public key can sign (issue 9's forged-key attack).
[[nodiscard]] EvpPkeyPtr make_rsa_key_exponent_one();
// An RSA key whose modulus has `bits` bits (random odd, not a product of two primes);
// signing still works mechanically, so a CSR can carry it. For sizes too slow to generate.
[[nodiscard]] EvpPkeyPtr make_fake_rsa_key(int bits);
// An RSA key of `bits` whose modulus is divisible by 3: sizes and exponent pass, only
// OpenSSL's public key check (EVP_PKEY_public_check) can tell.
[[nodiscard]] EvpPkeyPtr make_rsa_key_with_small_factor(int bits);
// EC P-256 with the curve spelled out as explicit parameters instead of its OID.
[[nodiscard]] EvpPkeyPtr make_explicit_p256_key();

}  // namespace certacl::ca::test
