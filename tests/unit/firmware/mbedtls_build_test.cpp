// Which Mbed TLS the firmware core was built against. scripts/ci/firmware-mbedtls.sh sets the
// expectations, so a build that silently picked Debian's 2.28 (or the wrong configuration)
// fails here instead of passing the whole suite against the wrong library.
#include <gtest/gtest.h>
#include <mbedtls/version.h>

#include <array>
#include <string>

namespace {

TEST(FirmwareMbedtlsBuild, LinkedLibraryMatchesTheHeadersAndTheExpectedVersion) {
  std::array<char, 16> linked{};
  mbedtls_version_get_string(linked.data());
  EXPECT_EQ(std::string(linked.data()), MBEDTLS_VERSION_STRING);
#ifdef CERTACL_EXPECT_MBEDTLS
  EXPECT_EQ(std::string(linked.data()), CERTACL_EXPECT_MBEDTLS);
#endif
}

TEST(FirmwareMbedtlsBuild, TimeDateConfigurationIsTheExpectedOne) {
#if defined(MBEDTLS_HAVE_TIME_DATE)
  constexpr bool time_date = true;
#else
  constexpr bool time_date = false;
#endif
#ifdef CERTACL_EXPECT_TIME_DATE
  EXPECT_EQ(time_date, CERTACL_EXPECT_TIME_DATE == 1);
#else
  // Debian's 2.28 checks dates; the core checks them itself either way.
  EXPECT_TRUE(time_date);
#endif
}

}  // namespace
