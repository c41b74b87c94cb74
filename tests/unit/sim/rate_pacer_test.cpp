#include "engine/rate_pacer.h"

#include <gtest/gtest.h>

namespace certacl::sim {
namespace {

using std::chrono::milliseconds;

TEST(RatePacer, FirstEventIsDueAtOnceThenOnePerPeriod) {
  const RatePacer pacer(10.0);
  EXPECT_EQ(pacer.allowed(milliseconds(0)), 1u);
  EXPECT_EQ(pacer.allowed(milliseconds(99)), 1u);
  EXPECT_EQ(pacer.allowed(milliseconds(100)), 2u);
  EXPECT_EQ(pacer.allowed(milliseconds(1000)), 11u);
  EXPECT_EQ(pacer.due_at(3), milliseconds(300));
}

TEST(RatePacer, ZeroRateMeansUnlimited) {
  const RatePacer pacer(0);
  EXPECT_GT(pacer.allowed(milliseconds(0)), 1'000'000u);
  EXPECT_EQ(pacer.due_at(1000).count(), 0);
}

TEST(RatePacer, NothingIsDueBeforeTheStart) {
  EXPECT_EQ(RatePacer(5).allowed(milliseconds(-1)), 0u);
}

}  // namespace
}  // namespace certacl::sim
