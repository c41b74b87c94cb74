#include "compact_fields.h"

#include <gtest/gtest.h>

namespace certacl::policy {
namespace {

std::optional<SerialKey> packed(std::string_view text) {
  SerialKey key;
  if (!SerialKey::pack(text, key)) return std::nullopt;
  return key;
}

TEST(SerialKeyTest, PacksEveryBnToHexFormAndGivesItBack) {
  for (const char* text :
       {"0", "1F", "01F", "-1F", "ABCDEF0123456789", "40112233445566778899AABBCCDDEEFF00112233"}) {
    const auto key = packed(text);
    ASSERT_TRUE(key) << text;
    EXPECT_EQ(key->text(), text);
  }
}

TEST(SerialKeyTest, EqualKeysExactlyForEqualTexts) {
  // Odd and even digit counts, a leading zero and a sign are all kept apart.
  const char* texts[] = {"1", "01", "10", "001", "-1", "1F", "F1", "1F0", "-1F"};
  for (const char* a : texts) {
    for (const char* b : texts) {
      EXPECT_EQ(*packed(a) == *packed(b), std::string_view(a) == b) << a << " vs " << b;
    }
  }
}

TEST(SerialKeyTest, WhatBnToHexNeverWritesHasNoKey) {
  for (const char* text :
       {"", "-", "1f", "S-gone", "1G", " 1F", "4011223344556677889900AABBCCDDEEFF00112233445566"}) {
    EXPECT_FALSE(packed(text)) << text;
  }
  EXPECT_TRUE(packed(std::string(SerialKey::kMaxDigits, 'F')));
  EXPECT_FALSE(packed(std::string(SerialKey::kMaxDigits + 1, 'F')));
}

TEST(Sha256DigestTest, MatchesOnlyTheSameLowerCaseHex) {
  const std::string hex = "00ff1e" + std::string(58, 'a');
  const Sha256Digest digest = Sha256Digest::from_hex(hex);
  EXPECT_TRUE(digest.matches_hex(hex));
  EXPECT_FALSE(digest.matches_hex("00FF1E" + std::string(58, 'a')));
  EXPECT_FALSE(digest.matches_hex("00ff1f" + std::string(58, 'a')));
  EXPECT_FALSE(digest.matches_hex(hex.substr(0, 62)));
  EXPECT_FALSE(digest.matches_hex(""));
}

TEST(Sha256DigestTest, ARecordedTextThatIsNotAFingerprintMatchesNothing) {
  for (const std::string& recorded :
       {std::string(), std::string(64, 'z'), std::string(64, 'A'), std::string(63, 'a')}) {
    const Sha256Digest digest = Sha256Digest::from_hex(recorded);
    EXPECT_FALSE(digest.matches_hex(recorded)) << recorded;
    EXPECT_FALSE(digest.matches_hex(std::string(64, 'a')));
  }
}

TEST(TextPoolTest, HoldsOneCopyOfEachText) {
  TextPool pool;
  const std::string* sensor = pool.intern("sensor");
  EXPECT_EQ(pool.intern(std::string("sen") + "sor"), sensor);
  EXPECT_NE(pool.intern("gateway"), sensor);
  EXPECT_EQ(*sensor, "sensor");
}

}  // namespace
}  // namespace certacl::policy
