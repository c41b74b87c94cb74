#include "certacl_fw/device_key.h"

#include <mbedtls/ecp.h>
#include <mbedtls/platform_util.h>

#include <array>
#include <string>
#include <utility>

#include "certacl_fw/mbedtls_compat.h"

namespace certacl::fw {
namespace {

constexpr std::size_t kPemBufferBytes = 2048;

bool is_p256_key(const mbedtls_pk_context& pk) {
  if (mbedtls_pk_get_type(&pk) != MBEDTLS_PK_ECKEY) return false;
  return mbedtls_pk_ec(pk)->MBEDTLS_PRIVATE(grp).id == MBEDTLS_ECP_DP_SECP256R1;
}

}  // namespace

DeviceKey::DeviceKey() {
  mbedtls_pk_init(&pk_);
}
DeviceKey::~DeviceKey() {
  mbedtls_pk_free(&pk_);
}

DeviceKey::DeviceKey(DeviceKey&& other) noexcept : DeviceKey() {
  std::swap(pk_, other.pk_);
}

DeviceKey& DeviceKey::operator=(DeviceKey&& other) noexcept {
  std::swap(pk_, other.pk_);
  return *this;
}

Result<DeviceKey> DeviceKey::generate(Random& random) {
  DeviceKey key;
  int rc = mbedtls_pk_setup(&key.pk_, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
  if (rc != 0) return Status::failure("cannot set up an EC key: " + mbedtls_error_text(rc));
  rc = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(key.pk_), Random::generate,
                           random.context());
  if (rc != 0) return Status::failure("cannot generate a P-256 key: " + mbedtls_error_text(rc));
  return key;
}

Result<DeviceKey> DeviceKey::from_pem(std::string_view pem, Random& random) {
  DeviceKey key;
  // mbedTLS reads PEM only when the length counts a terminating NUL.
  const std::string text(pem);
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.c_str());
#if MBEDTLS_VERSION_MAJOR >= 3
  const int rc = mbedtls_pk_parse_key(&key.pk_, bytes, text.size() + 1, nullptr, 0,
                                      Random::generate, random.context());
#else
  (void)random;
  const int rc = mbedtls_pk_parse_key(&key.pk_, bytes, text.size() + 1, nullptr, 0);
#endif
  if (rc != 0) return Status::failure("cannot read the device key: " + mbedtls_error_text(rc));
  if (!is_p256_key(key.pk_)) return Status::failure("the device key is not an EC P-256 key");
  return key;
}

Result<std::string> DeviceKey::private_key_pem() const {
  std::array<unsigned char, kPemBufferBytes> buffer{};
  const int rc = mbedtls_pk_write_key_pem(&pk_, buffer.data(), buffer.size());
  if (rc != 0) return Status::failure("cannot write the device key: " + mbedtls_error_text(rc));
  std::string pem(reinterpret_cast<const char*>(buffer.data()));
  mbedtls_platform_zeroize(buffer.data(), buffer.size());
  return pem;
}

Result<std::string> DeviceKey::public_key_pem() const {
  std::array<unsigned char, kPemBufferBytes> buffer{};
  const int rc = mbedtls_pk_write_pubkey_pem(&pk_, buffer.data(), buffer.size());
  if (rc != 0) return Status::failure("cannot write the public key: " + mbedtls_error_text(rc));
  return std::string(reinterpret_cast<const char*>(buffer.data()));
}

}  // namespace certacl::fw
