// The pure parts of EST: durations, token decisions, base64 bodies, PKCS#7 and CsrAttrs
// encodings, and the rate limiter, each one line per case.
#include <gtest/gtest.h>
#include <openssl/pkcs7.h>

#include "ca_error.h"
#include "certacl/certificate_facts.h"
#include "duration.h"
#include "enrollment_token.h"
#include "est/est_codec.h"
#include "est/rate_limiter.h"

namespace certacl::ca {
namespace {

using namespace std::chrono_literals;

TEST(Duration, AcceptsANumberAndAUnit) {
  EXPECT_EQ(parse_duration_seconds("90s"), 90);
  EXPECT_EQ(parse_duration_seconds("15m"), 900);
  EXPECT_EQ(parse_duration_seconds("24h"), 86400);
  EXPECT_EQ(parse_duration_seconds("7d"), 604800);
}

TEST(Duration, RefusesAnythingElse) {
  for (const char* text :
       {"", "24", "h", "0h", "-1h", "1.5h", "1w", "1 h", "h1", "99999999999999d"}) {
    EXPECT_FALSE(parse_duration_seconds(text).has_value()) << text;
  }
  EXPECT_THROW((void)require_duration_seconds("--ttl", "31d", 1, 30 * 86400), CaError);
}

StoredToken stored(const std::string& device, bool used = false, bool revoked = false) {
  return StoredToken{1, device, 1000, used, revoked};
}

TEST(TokenDecision, OneCasePerLine) {
  EXPECT_EQ(judge_token(stored("dev1"), "dev1", 999), TokenProblem::kNone);
  EXPECT_EQ(judge_token(std::nullopt, "dev1", 999), TokenProblem::kUnknown);
  EXPECT_EQ(judge_token(stored("dev2"), "dev1", 999), TokenProblem::kOtherDevice);
  EXPECT_EQ(judge_token(stored("dev1"), "dev1", 1000), TokenProblem::kExpired);
  EXPECT_EQ(judge_token(stored("dev1", true), "dev1", 999), TokenProblem::kUsed);
  EXPECT_EQ(judge_token(stored("dev1", false, true), "dev1", 999), TokenProblem::kRevoked);
  // Another device's token reveals nothing about its own state.
  EXPECT_EQ(judge_token(stored("dev2", true, true), "dev1", 5000), TokenProblem::kOtherDevice);
}

TEST(TokenDigest, IsSha256Hex) {
  EXPECT_EQ(token_digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Base64Body, DecodesWithLineBreaksAndRefusesJunk) {
  EXPECT_EQ(est::decode_base64("aGVs\nbG8=\r\n"), "hello");
  EXPECT_EQ(est::decode_base64("aGVsbA=="), "hell");
  for (const char* text : {"", "aGVsbG8", "aGVs*G8=", "aGVsbG8=aGVs", "a===", "\n"}) {
    EXPECT_FALSE(est::decode_base64(text).has_value()) << text;
  }
}

TEST(Base64Body, EncodesInLinesThatRoundTrip) {
  const std::string bytes(200, '\x7f');
  const std::string text = est::encode_base64(bytes);
  EXPECT_EQ(text.find('\r'), std::string::npos);
  EXPECT_EQ(text.find('\n'), 64U);
  EXPECT_EQ(est::decode_base64(text), bytes);
}

TEST(CsrBody, RefusesWhatIsNotOneRequest) {
  EXPECT_FALSE(est::csr_der_to_pem("").has_value());
  EXPECT_FALSE(est::csr_der_to_pem("not DER").has_value());
}

TEST(CertsOnly, HoldsTheCertificatesAndNoSigner) {
  const std::string der = est::certs_only_pkcs7_der({});
  const auto* cursor = reinterpret_cast<const unsigned char*>(der.data());
  const std::unique_ptr<PKCS7, OpensslDeleter<PKCS7_free>> parsed(
      d2i_PKCS7(nullptr, &cursor, static_cast<long>(der.size())));
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(PKCS7_type_is_signed(parsed.get()));
  EXPECT_EQ(sk_PKCS7_SIGNER_INFO_num(parsed->d.sign->signer_info), 0);
}

TEST(CsrAttributes, IsOneDerSequence) {
  const std::string_view der = est::csr_attributes_der();
  ASSERT_GE(der.size(), 2U);
  EXPECT_EQ(static_cast<unsigned char>(der[0]), 0x30);
  EXPECT_EQ(static_cast<std::size_t>(der[1]) + 2, der.size());
}

TEST(RateLimiter, AllowsTheBurstThenAsksToWait) {
  est::RateLimiter limiter(60, 2);  // one a second, bursts of two
  const auto t0 = est::RateLimiter::Clock::time_point{} + 1h;
  EXPECT_EQ(limiter.admit("a", t0), 0);
  EXPECT_EQ(limiter.admit("a", t0), 0);
  EXPECT_EQ(limiter.admit("a", t0), 1);
  EXPECT_EQ(limiter.admit("b", t0), 0);  // keys are independent
  EXPECT_EQ(limiter.admit("a", t0 + 1s), 0);
}

TEST(RateLimiter, ZeroRateMeansNoLimit) {
  est::RateLimiter limiter(0, 1);
  const auto t0 = est::RateLimiter::Clock::time_point{};
  for (int i = 0; i < 100; ++i) EXPECT_EQ(limiter.admit("a", t0), 0);
}

TEST(RateLimiter, ForgetsIdleKeysWhenFull) {
  est::RateLimiter limiter(60, 1, 2);
  const auto t0 = est::RateLimiter::Clock::time_point{} + 1h;
  EXPECT_EQ(limiter.admit("a", t0), 0);
  EXPECT_EQ(limiter.admit("b", t0), 0);
  EXPECT_EQ(limiter.admit("c", t0 + 10s), 0);  // a and b refilled: forgotten, c admitted
  EXPECT_EQ(limiter.admit("c", t0 + 10s), 1);
}

}  // namespace
}  // namespace certacl::ca
