#include "csr_policy.h"

#include <fmt/format.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>

#include <array>
#include <climits>

#include "certacl/certificate_facts.h"
#include "certacl/identity.h"

namespace certacl::ca {
namespace {

CsrVerdict refuse(std::string problem) {
  take_openssl_errors();  // leave no stale error for the next operation
  return CsrVerdict{std::nullopt, std::move(problem)};
}

}  // namespace

namespace {

constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = 8192;
constexpr unsigned long kMinRsaExponent = 65537;

std::string bignum_text(const BIGNUM* number) {
  char* text = BN_bn2dec(number);
  if (text == nullptr) return "?";
  std::string result(text);
  OPENSSL_free(text);
  return result;
}

// RFC 5480 requires a named curve; OpenSSL 3 still reports a group name for explicit
// parameters that happen to match one, so the encoding must be asked for separately.
std::string ec_key_problem(const EVP_PKEY* key) {
  std::array<char, 32> encoding{};
  std::size_t encoding_length = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_EC_ENCODING, encoding.data(),
                                     encoding.size(), &encoding_length) != 1 ||
      std::string_view(encoding.data(), encoding_length) != OSSL_PKEY_EC_ENCODING_GROUP) {
    return "its EC key has explicit curve parameters (a named curve is required, RFC 5480)";
  }
  std::array<char, 64> group{};
  std::size_t length = 0;
  if (EVP_PKEY_get_group_name(key, group.data(), group.size(), &length) != 1) {
    return "its EC key has no named curve";
  }
  const std::string_view name(group.data(), length);
  if (name == "prime256v1" || name == "P-256" || name == "secp384r1" || name == "P-384") {
    return {};
  }
  return fmt::format("its EC curve {} is not accepted (use P-256 or P-384)", name);
}

std::string rsa_key_problem(const EVP_PKEY* key) {
  const int bits = EVP_PKEY_get_bits(key);
  if (bits < kMinRsaBits || bits > kMaxRsaBits) {
    return fmt::format("its RSA key has {} bits ({}..{} accepted)", bits, kMinRsaBits, kMaxRsaBits);
  }
  BIGNUM* raw_exponent = nullptr;
  if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &raw_exponent) != 1) {
    return "its RSA public exponent cannot be read";
  }
  const BignumPtr exponent(raw_exponent);
  // Small or even exponents make the key forgeable or broken (e = 1 signs anything).
  if (BN_is_odd(exponent.get()) == 0 || BN_num_bits(exponent.get()) < 17 ||
      (BN_num_bits(exponent.get()) == 17 && BN_get_word(exponent.get()) < kMinRsaExponent)) {
    return fmt::format("its RSA public exponent {} is not accepted (an odd e >= 65537 is required)",
                       bignum_text(exponent.get()));
  }
  return {};
}

// OpenSSL's own sanity check of the public part (point on the curve, RSA modulus shape).
// For EC the quick check skips only "order x point = infinity", a full scalar
// multiplication that proves nothing more on P-256 and P-384: their cofactor is 1, so
// every point on the curve other than infinity (both checked) has the prime order.
// ec_key_problem admits no other curve before this runs.
bool passes_public_check(const EVP_PKEY* key) {
  const EvpPkeyCtxPtr context(
      EVP_PKEY_CTX_new_from_pkey(nullptr, const_cast<EVP_PKEY*>(key), nullptr));
  if (!context) return false;
  return EVP_PKEY_get_base_id(key) == EVP_PKEY_EC ? EVP_PKEY_public_check_quick(context.get()) == 1
                                                  : EVP_PKEY_public_check(context.get()) == 1;
}

}  // namespace

std::string public_key_problem(const EVP_PKEY* key) {
  if (key == nullptr) return "it carries no public key";
  std::string problem;
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_EC:
      problem = ec_key_problem(key);
      break;
    case EVP_PKEY_ED25519:
      break;
    case EVP_PKEY_RSA:
      problem = rsa_key_problem(key);
      break;
    default: {
      const char* type = EVP_PKEY_get0_type_name(key);
      return fmt::format(
          "its key type {} is not accepted (use EC P-256/P-384, Ed25519 or RSA "
          "2048..8192)",
          type != nullptr ? type : "unknown");
    }
  }
  if (problem.empty() && !passes_public_check(key)) {
    take_openssl_errors();
    problem = "its public key fails OpenSSL's public key check";
  }
  return problem;
}

CsrVerdict validate_csr(X509_REQ* request) {
  if (request == nullptr) return refuse("it is not a PEM certificate request");
  EVP_PKEY* key = X509_REQ_get0_pubkey(request);
  if (key == nullptr) return refuse("it carries no readable public key");
  // The key is checked before the signature: a degenerate or oversized key is refused
  // without spending a verification on it.
  if (std::string problem = public_key_problem(key); !problem.empty()) return refuse(problem);
  if (X509_REQ_verify(request, key) != 1) {
    return refuse("its self-signature does not verify");
  }
  const X509_NAME* subject = X509_REQ_get_subject_name(request);
  const std::vector<std::string> names =
      subject != nullptr ? common_names(subject) : std::vector<std::string>{};
  if (names.empty()) return refuse("its subject has no CN");
  if (names.size() > 1)
    return refuse(fmt::format("its subject has {} CNs (exactly one required)", names.size()));
  if (const std::string_view problem = device_name_problem(names.front()); !problem.empty()) {
    return refuse(fmt::format("its CN '{}' is not a valid device name: {}",
                              escape_for_display(names.front()), problem));
  }
  EVP_PKEY_up_ref(key);
  return CsrVerdict{AcceptedCsr{names.front(), EvpPkeyPtr(key),
                                copy_canonical_spki(X509_REQ_get_X509_PUBKEY(request))},
                    {}};
}

namespace {

X509ReqPtr parse_request(std::string_view pem) {
  if (pem.size() > INT_MAX) return nullptr;
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return nullptr;
  return X509ReqPtr(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
}

}  // namespace

CsrVerdict validate_csr_pem(std::string_view pem) {
  X509ReqPtr request = parse_request(pem);
  if (!request) return refuse("it is not a PEM certificate request");
  return validate_csr(request.get());
}

CsrVerdict validate_server_csr_pem(std::string_view pem) {
  X509ReqPtr request = parse_request(pem);
  if (!request) return refuse("it is not a PEM certificate request");
  EVP_PKEY* key = X509_REQ_get0_pubkey(request.get());
  if (key == nullptr) return refuse("it carries no readable public key");
  if (std::string problem = public_key_problem(key); !problem.empty()) return refuse(problem);
  if (X509_REQ_verify(request.get(), key) != 1) return refuse("its self-signature does not verify");
  EVP_PKEY_up_ref(key);
  return CsrVerdict{AcceptedCsr{{}, EvpPkeyPtr(key), nullptr}, {}};
}

}  // namespace certacl::ca
