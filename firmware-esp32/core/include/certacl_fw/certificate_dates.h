#pragma once
// Certificate validity periods, checked by the core itself against wall_clock_now(): Mbed TLS
// built without MBEDTLS_HAVE_TIME_DATE (ESP-IDF's default) checks no date, so the core never
// relies on it. An unset clock fails closed. The renewal schedule reads the same periods.

#include <mbedtls/x509_crt.h>

#include <cstdint>
#include <string_view>

#include "certacl_fw/result.h"
#include "certacl_fw/wall_clock.h"

namespace certacl::fw {

struct Validity {
  UnixSeconds not_before = 0;
  UnixSeconds not_after = 0;
  [[nodiscard]] UnixSeconds lifetime() const noexcept { return not_after - not_before; }
};

[[nodiscard]] Validity validity_of(const mbedtls_x509_crt& certificate) noexcept;
// The first certificate of a PEM text.
[[nodiscard]] Result<Validity> certificate_validity(std::string_view certificate_pem);

// Fails with one line when `now` is outside the period or the clock is not set.
[[nodiscard]] Status check_validity(const Validity& validity, UnixSeconds now,
                                    std::string_view what);

// An Mbed TLS verify callback (mbedtls_x509_crt_verify's f_vrfy, mbedtls_ssl_conf_verify):
// adds MBEDTLS_X509_BADCERT_EXPIRED / _FUTURE for every certificate in the chain whose dates
// do not hold at wall_clock_now(), and both when the clock is not set.
int verify_dates(void* context, mbedtls_x509_crt* certificate, int depth, std::uint32_t* flags);

}  // namespace certacl::fw
