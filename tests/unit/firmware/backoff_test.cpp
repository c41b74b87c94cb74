#include "certacl_fw/backoff.h"

#include <gtest/gtest.h>

#include <set>

#include "certacl_fw/renewal_schedule.h"

namespace certacl::fw {
namespace {

using std::chrono::milliseconds;

TEST(FirmwareBackoff, DelaysGrowExponentiallyAndStopAtTheCap) {
  Backoff backoff(BackoffPolicy{milliseconds(1000), milliseconds(8000), milliseconds(60'000)});
  // The largest random value gives the ceiling itself.
  const std::uint32_t top = 0xffffffff;
  std::vector<long> ceilings;
  for (int i = 0; i < 6; ++i) {
    const auto ceiling = backoff.ceiling().count();
    const auto delay = backoff.next_delay(top).count();
    EXPECT_GE(delay, ceiling / 2);
    EXPECT_LE(delay, ceiling);
    ceilings.push_back(ceiling);
  }
  EXPECT_EQ(ceilings, (std::vector<long>{1000, 2000, 4000, 8000, 8000, 8000}));
}

TEST(FirmwareBackoff, JitterSpreadsAFleetOverHalfTheCeiling) {
  std::set<long> delays;
  for (std::uint32_t device = 0; device < 100; ++device) {
    Backoff backoff(BackoffPolicy{milliseconds(1000), milliseconds(300'000), milliseconds(60'000)});
    const auto delay = backoff.next_delay(device * 2654435761u).count();
    EXPECT_GE(delay, 500);
    EXPECT_LE(delay, 1000);
    delays.insert(delay);
  }
  EXPECT_GT(delays.size(), 50u);
}

TEST(FirmwareBackoff, AConnectKickedWithinSecondsDoesNotReset) {
  Backoff backoff(BackoffPolicy{milliseconds(1000), milliseconds(300'000), milliseconds(60'000)});
  for (int i = 0; i < 4; ++i) (void)backoff.next_delay(0);
  backoff.session_ended(milliseconds(2000));
  EXPECT_EQ(backoff.ceiling(), milliseconds(16'000));
  backoff.session_ended(milliseconds(61'000));
  EXPECT_EQ(backoff.ceiling(), milliseconds(1000));
}

TEST(FirmwareBackoff, DefaultsAreOneSecondToFiveMinutesStableAfterAMinute) {
  const BackoffPolicy defaults;
  EXPECT_EQ(defaults.initial, milliseconds(1000));
  EXPECT_EQ(defaults.cap, milliseconds(300'000));
  EXPECT_EQ(defaults.stable_session, milliseconds(60'000));
}

TEST(FirmwareBackoff, NeverOverflowsOverALongOutage) {
  Backoff backoff(BackoffPolicy{milliseconds(1000), milliseconds(300'000), milliseconds(60'000)});
  for (int i = 0; i < 10'000; ++i) {
    const auto delay = backoff.next_delay(static_cast<std::uint32_t>(i));
    ASSERT_GT(delay.count(), 0);
    ASSERT_LE(delay.count(), 300'000);
  }
}

TEST(FirmwareRenewalSchedule, PlansRenewalAtTwoThirdsOfTheLifetimeWithJitter) {
  const Validity validity{1'800'000'000, 1'800'000'000 + 90 * 86400};
  const UnixSeconds two_thirds = validity.not_before + UnixSeconds{60} * 86400;
  std::set<UnixSeconds> planned;
  for (std::uint32_t r = 0; r < 200; ++r) {
    const auto at = planned_renewal(validity, r * 2654435761u);
    EXPECT_GE(at, two_thirds - 90 * 86400 / 20);
    EXPECT_LE(at, two_thirds + 90 * 86400 / 20);
    planned.insert(at);
  }
  EXPECT_GT(planned.size(), 100u);
}

TEST(FirmwareRenewalSchedule, FailedAttemptsRetryWithGrowingDelaysBeforeExpiry) {
  const Validity validity{1'800'000'000, 1'800'000'000 + 600};
  RenewalSchedule schedule;
  schedule.start(validity, 0);
  EXPECT_FALSE(schedule.due(validity.not_before));
  EXPECT_TRUE(schedule.due(validity.not_before + 430));
  UnixSeconds now = schedule.due_at();
  UnixSeconds previous_gap = 0;
  for (int attempt = 0; attempt < 5; ++attempt) {
    schedule.attempt_failed(now, 0xffffffff);
    const UnixSeconds gap = schedule.due_at() - now;
    EXPECT_GE(gap, previous_gap);
    EXPECT_LE(gap, 60);  // capped at lifetime / 10
    previous_gap = gap;
    now = schedule.due_at();
  }
  EXPECT_LT(now, validity.not_after);
}

TEST(FirmwareRenewalSchedule, RenewNowMakesItDueAtOnce) {
  RenewalSchedule schedule;
  schedule.start(Validity{1'800'000'000, 1'800'086'400}, 7);
  EXPECT_FALSE(schedule.due(1'800'000'100));
  schedule.request_now(1'800'000'100);
  EXPECT_TRUE(schedule.due(1'800'000'100));
}

}  // namespace
}  // namespace certacl::fw
