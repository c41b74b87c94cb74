#include "engine/telemetry_payload.h"

#include <gtest/gtest.h>

namespace certacl::sim {
namespace {

TEST(TelemetryPayload, RoundTripsTheStamp) {
  const auto payload = encode_telemetry({42, 123456789012345}, 0);
  const auto stamp = decode_telemetry(payload);
  ASSERT_TRUE(stamp.has_value());
  EXPECT_EQ(stamp->sequence, 42u);
  EXPECT_EQ(stamp->sent_ns, 123456789012345);
}

TEST(TelemetryPayload, PadsToTheRequestedSize) {
  const auto payload = encode_telemetry({1, 2}, 512);
  EXPECT_EQ(payload.size(), 512u);
  ASSERT_TRUE(decode_telemetry(payload).has_value());
  EXPECT_EQ(decode_telemetry(payload)->sequence, 1u);
}

TEST(TelemetryPayload, NeverTruncatesTheHeader) {
  const auto payload = encode_telemetry({7, 99}, 3);
  EXPECT_GT(payload.size(), 3u);
  EXPECT_EQ(decode_telemetry(payload)->sent_ns, 99);
}

TEST(TelemetryPayload, RejectsForeignOrTruncatedPayloads) {
  EXPECT_FALSE(decode_telemetry("").has_value());
  EXPECT_FALSE(decode_telemetry("21.5").has_value());
  EXPECT_FALSE(decode_telemetry("seq=1 sent_ns=").has_value());
  EXPECT_FALSE(decode_telemetry("seq=1 sent_ns=5").has_value());  // no terminator
  EXPECT_FALSE(decode_telemetry("seq=x sent_ns=5;").has_value());
  EXPECT_FALSE(decode_telemetry("seq=99999999999999999999999 sent_ns=5;").has_value());
}

}  // namespace
}  // namespace certacl::sim
