#pragma once
// The few places where mbedTLS 2.28 (Debian, host build) and 3.x (ESP-IDF v5) differ.
// Everything else in the core uses the API common to both.

#include <mbedtls/version.h>

#if MBEDTLS_VERSION_MAJOR >= 3
#include <mbedtls/private_access.h>
#else
// 2.x has no private fields; reading them needs no marker.
#define MBEDTLS_PRIVATE(member) member
#endif
