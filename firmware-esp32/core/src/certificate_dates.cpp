#include "certacl_fw/certificate_dates.h"

#include <string>

#include "certacl_fw/x509_chain.h"

namespace certacl::fw {
namespace {

// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil):
// timegm() is not in newlib's portable subset, and this needs no time zone.
std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) noexcept {
  year -= month <= 2 ? 1 : 0;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto year_of_era = static_cast<unsigned>(year - era * 400);
  const unsigned day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + static_cast<std::int64_t>(day_of_era) - 719468;
}

UnixSeconds to_unix(const mbedtls_x509_time& time) noexcept {
  return days_from_civil(time.year, static_cast<unsigned>(time.mon),
                         static_cast<unsigned>(time.day)) *
             86400 +
         std::int64_t{time.hour} * 3600 + std::int64_t{time.min} * 60 + time.sec;
}

}  // namespace

Validity validity_of(const mbedtls_x509_crt& certificate) noexcept {
  return Validity{to_unix(certificate.valid_from), to_unix(certificate.valid_to)};
}

Result<Validity> certificate_validity(std::string_view certificate_pem) {
  X509Chain chain;
  if (auto parsed = chain.parse_pem(certificate_pem, "the certificate"); !parsed) return parsed;
  return validity_of(chain.first());
}

Status check_validity(const Validity& validity, UnixSeconds now, std::string_view what) {
  if (!wall_clock_is_set(now)) {
    return Status::failure("the clock is not set (no SNTP time yet), so the dates of " +
                           std::string(what) + " cannot be checked");
  }
  if (now < validity.not_before) return Status::failure(std::string(what) + " is not valid yet");
  if (now > validity.not_after) return Status::failure(std::string(what) + " has expired");
  return Status::success();
}

int verify_dates(void* /*context*/, mbedtls_x509_crt* certificate, int /*depth*/,
                 std::uint32_t* flags) {
  const UnixSeconds now = wall_clock_now();
  const Validity validity = validity_of(*certificate);
  if (!wall_clock_is_set(now)) {
    *flags |= MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE;
  } else if (now > validity.not_after) {
    *flags |= MBEDTLS_X509_BADCERT_EXPIRED;
  } else if (now < validity.not_before) {
    *flags |= MBEDTLS_X509_BADCERT_FUTURE;
  }
  return 0;
}

}  // namespace certacl::fw
