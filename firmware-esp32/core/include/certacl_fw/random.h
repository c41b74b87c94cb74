#pragma once
// The device's random number generator: mbedTLS CTR_DRBG seeded from an entropy source the
// platform provides (getrandom() on the host, the ESP32's hardware RNG on the device).
// Key generation, ECDSA signatures and the TLS handshake all draw from it.

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>

#include <cstddef>
#include <memory>
#include <string_view>

#include "certacl_fw/result.h"

namespace certacl::fw {

// Fills `output` with `length` strong random bytes, sets *written; returns 0 or an mbedTLS
// error (the mbedtls_entropy_f_source_ptr contract).
using EntropySource = int (*)(void* context, unsigned char* output, std::size_t length,
                              std::size_t* written);

class Random {
 public:
  // `personalization` separates this device's DRBG stream from others seeded alike.
  static Result<std::unique_ptr<Random>> create(EntropySource source, void* source_context,
                                                std::string_view personalization);
  ~Random();
  Random(const Random&) = delete;
  Random& operator=(const Random&) = delete;

  // The (f_rng, p_rng) pair mbedTLS functions take.
  static int generate(void* self, unsigned char* output, std::size_t length);
  [[nodiscard]] void* context() noexcept { return this; }

 private:
  Random();
  mbedtls_entropy_context entropy_{};
  mbedtls_ctr_drbg_context drbg_{};
};

// Text of an mbedTLS error code, e.g. "X509 - Certificate verification failed (-0x2700)".
[[nodiscard]] std::string mbedtls_error_text(int code);

}  // namespace certacl::fw
