#include "key_file.h"

#include <gtest/gtest.h>

#include "ca_error.h"
#include "certacl_test/files.h"

namespace certacl::ca {
namespace {

ExitCode failure_code(const std::function<void()>& action) {
  try {
    action();
  } catch (const CaError& error) {
    return error.code();
  }
  return ExitCode::kOk;
}

TEST(KeyFile, ParsesKeyTypes) {
  EXPECT_EQ(parse_key_type("ec-p256"), KeyType::kEcP256);
  EXPECT_EQ(parse_key_type("rsa-3072"), KeyType::kRsa3072);
  EXPECT_FALSE(parse_key_type("rsa-1024"));
}

TEST(KeyFile, EncryptedKeyNeedsTheRightPassphrase) {
  certacl::test::TempDir dir;
  const EvpPkeyPtr key = generate_key(KeyType::kEcP256);
  const std::string pem = private_key_pem(key.get(), std::string("correct horse"));
  EXPECT_NE(pem.find("BEGIN ENCRYPTED PRIVATE KEY"), std::string::npos);
  certacl::test::write_file(dir.file("k.pem"), pem, 0600);

  const EvpPkeyPtr loaded =
      load_private_key(dir.file("k.pem"), std::string("correct horse"), "CA key");
  EXPECT_EQ(EVP_PKEY_eq(loaded.get(), key.get()), 1);
  EXPECT_EQ(
      failure_code([&] { (void)load_private_key(dir.file("k.pem"), std::string("wrong"), "k"); }),
      ExitCode::kKey);
  EXPECT_EQ(failure_code([&] { (void)load_private_key(dir.file("k.pem"), std::nullopt, "k"); }),
            ExitCode::kKey);
}

TEST(KeyFile, PlainKeyRoundTrips) {
  certacl::test::TempDir dir;
  const EvpPkeyPtr key = generate_key(KeyType::kEd25519);
  certacl::test::write_file(dir.file("k.pem"), private_key_pem(key.get(), std::nullopt), 0600);
  const EvpPkeyPtr loaded = load_private_key(dir.file("k.pem"), std::nullopt, "key");
  EXPECT_EQ(EVP_PKEY_eq(loaded.get(), key.get()), 1);
  EXPECT_EQ(failure_code([&] { (void)load_private_key(dir.file("missing"), std::nullopt, "k"); }),
            ExitCode::kKey);
}

// The typed fast path (a decoder asked for one key type) gives the same key, and any
// mismatch or encrypted key falls back to the general decoder instead of failing.
TEST(KeyFile, ExpectedTypeLoadsTheSameKeyAndFallsBackOnMismatch) {
  certacl::test::TempDir dir;
  const EvpPkeyPtr key = generate_key(KeyType::kEcP256);
  certacl::test::write_file(dir.file("k.pem"), private_key_pem(key.get(), std::nullopt), 0600);
  for (const char* type : {"EC", "RSA", "ED25519"}) {
    const EvpPkeyPtr loaded = load_private_key(dir.file("k.pem"), std::nullopt, "key", type);
    EXPECT_EQ(EVP_PKEY_eq(loaded.get(), key.get()), 1) << type;
  }
  certacl::test::write_file(dir.file("e.pem"), private_key_pem(key.get(), std::string("pw")), 0600);
  const EvpPkeyPtr encrypted = load_private_key(dir.file("e.pem"), std::string("pw"), "key", "EC");
  EXPECT_EQ(EVP_PKEY_eq(encrypted.get(), key.get()), 1);
  certacl::test::write_file(dir.file("bad.pem"),
                            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", 0600);
  EXPECT_EQ(
      failure_code([&] { (void)load_private_key(dir.file("bad.pem"), std::nullopt, "k", "EC"); }),
      ExitCode::kKey);
}

TEST(KeyFile, PassphraseFileTakesFirstLine) {
  certacl::test::TempDir dir;
  certacl::test::write_file(dir.file("p"), "secret\nignored\n");
  EXPECT_EQ(read_passphrase_file(dir.file("p")), "secret");
  certacl::test::write_file(dir.file("empty"), "\n");
  EXPECT_EQ(failure_code([&] { (void)read_passphrase_file(dir.file("empty")); }), ExitCode::kKey);
}

}  // namespace
}  // namespace certacl::ca
