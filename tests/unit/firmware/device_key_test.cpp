#include "certacl_fw/device_key.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <string>

#include "certacl/openssl_handles.h"
#include "firmware_test_support.h"

namespace certacl::fw {
namespace {

EvpPkeyPtr openssl_read_private_key(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return EvpPkeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

std::string openssl_key_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

TEST(FirmwareDeviceKey, GeneratesP256KeyThatOpensslReads) {
  auto random = test::make_random();
  auto key = DeviceKey::generate(*random);
  ASSERT_TRUE(key.ok()) << key.error();
  auto pem = key.value().private_key_pem();
  ASSERT_TRUE(pem.ok()) << pem.error();

  const auto parsed = openssl_read_private_key(pem.value());
  ASSERT_NE(parsed, nullptr);
  EXPECT_EQ(EVP_PKEY_get_base_id(parsed.get()), EVP_PKEY_EC);
  char group[64] = {};
  ASSERT_EQ(EVP_PKEY_get_group_name(parsed.get(), group, sizeof(group), nullptr), 1);
  EXPECT_STREQ(group, "prime256v1");
}

TEST(FirmwareDeviceKey, TwoKeysDiffer) {
  auto random = test::make_random();
  auto first = DeviceKey::generate(*random);
  auto second = DeviceKey::generate(*random);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_NE(first.value().public_key_pem().value(), second.value().public_key_pem().value());
}

TEST(FirmwareDeviceKey, RoundTripsThroughPem) {
  auto random = test::make_random();
  auto key = DeviceKey::generate(*random);
  ASSERT_TRUE(key.ok());
  const auto pem = key.value().private_key_pem().value();
  auto loaded = DeviceKey::from_pem(pem, *random);
  ASSERT_TRUE(loaded.ok()) << loaded.error();
  EXPECT_EQ(loaded.value().public_key_pem().value(), key.value().public_key_pem().value());
}

TEST(FirmwareDeviceKey, RefusesGarbage) {
  auto random = test::make_random();
  auto loaded = DeviceKey::from_pem("-----BEGIN EC PRIVATE KEY-----\nAAAA\n", *random);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().find("cannot read the device key"), std::string::npos) << loaded.error();
}

TEST(FirmwareDeviceKey, RefusesKeysThatAreNotP256) {
  auto random = test::make_random();
  EvpPkeyPtr p384(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"));
  auto loaded = DeviceKey::from_pem(openssl_key_pem(p384.get()), *random);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error(), "the device key is not an EC P-256 key");

  EvpPkeyPtr rsa(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(1024)));
  loaded = DeviceKey::from_pem(openssl_key_pem(rsa.get()), *random);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error(), "the device key is not an EC P-256 key");
}

}  // namespace
}  // namespace certacl::fw
