#include "certacl_fw/random.h"

#include <mbedtls/error.h>
#include <mbedtls/version.h>
#if MBEDTLS_VERSION_MAJOR >= 3
#include <psa/crypto.h>
#endif

#include <array>
#include <cstdio>
#include <string>

namespace certacl::fw {

Random::Random() {
  mbedtls_entropy_init(&entropy_);
  mbedtls_ctr_drbg_init(&drbg_);
}

Random::~Random() {
  mbedtls_ctr_drbg_free(&drbg_);
  mbedtls_entropy_free(&entropy_);
}

Result<std::unique_ptr<Random>> Random::create(EntropySource source, void* source_context,
                                               std::string_view personalization) {
  if (source == nullptr) return Status::failure("no entropy source was given");
#if MBEDTLS_VERSION_MAJOR >= 3 && defined(MBEDTLS_PSA_CRYPTO_C)
  // Mbed TLS 3.x routes parts of PK, X.509 and TLS through PSA, which must be initialised
  // first (idempotent; ESP-IDF does it too). The core makes its Random before anything else.
  if (const psa_status_t status = psa_crypto_init(); status != PSA_SUCCESS) {
    return Status::failure("cannot initialise PSA crypto: " + std::to_string(status));
  }
#endif
  std::unique_ptr<Random> random(new Random());
  // STRONG: the DRBG refuses to seed until this source has delivered its threshold.
  int rc = mbedtls_entropy_add_source(&random->entropy_, source, source_context, 32,
                                      MBEDTLS_ENTROPY_SOURCE_STRONG);
  if (rc != 0) return Status::failure("cannot add entropy source: " + mbedtls_error_text(rc));
  rc = mbedtls_ctr_drbg_seed(&random->drbg_, mbedtls_entropy_func, &random->entropy_,
                             reinterpret_cast<const unsigned char*>(personalization.data()),
                             personalization.size());
  if (rc != 0)
    return Status::failure("cannot seed the random generator: " + mbedtls_error_text(rc));
  return random;
}

int Random::generate(void* self, unsigned char* output, std::size_t length) {
  return mbedtls_ctr_drbg_random(&static_cast<Random*>(self)->drbg_, output, length);
}

std::string mbedtls_error_text(int code) {
  std::array<char, 160> text{};
  mbedtls_strerror(code, text.data(), text.size());
  std::array<char, 24> number{};
  std::snprintf(number.data(), number.size(), " (-0x%04X)", static_cast<unsigned>(-code));
  return std::string(text.data()) + number.data();
}

}  // namespace certacl::fw
