// The soak's verdicts (bench/soak/soak_ledger.h): which messages must arrive, which must
// not, lost and delivered-against-the-rules counts, drop times, and RSS flatness.

#include "soak_ledger.h"

#include <gtest/gtest.h>

namespace certacl::soak {
namespace {

constexpr Nanos kS = 1'000'000'000;

TEST(SoakLedger, StampRoundTripsAndRefusesForeignPayloads) {
  const SoakStamp stamp{42, 7, 123456789};
  const auto back = decode_soak(encode_soak(stamp));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->sequence, 42u);
  EXPECT_EQ(back->sender, 7u);
  EXPECT_EQ(back->sent_ns, 123456789);
  EXPECT_FALSE(decode_soak("seq=1 sent_ns=2;"));
  EXPECT_FALSE(decode_soak("soak 1 2 3 trailing"));
}

TEST(SoakLedger, RuleRoundIsRefusedBeforeItsCommandAndRequiredAfterAdoption) {
  RuleTimeline timeline;
  timeline.started(1, 10 * kS);
  EXPECT_EQ(timeline.expectation(1, 9 * kS, kS), Expectation::kMustNotDeliver);
  EXPECT_EQ(timeline.expectation(2, 20 * kS, kS), Expectation::kMustNotDeliver);  // never asked
  EXPECT_EQ(timeline.expectation(1, 10 * kS, kS), Expectation::kEither);          // command running
  timeline.committed(1, 11 * kS);
  EXPECT_EQ(timeline.expectation(1, 11 * kS + kS / 2, kS), Expectation::kEither);  // adopting
  EXPECT_EQ(timeline.expectation(1, 12 * kS, kS), Expectation::kMustDeliver);
}

TEST(SoakLedger, AcceptedRequiredMessageMissingAtOneMonitorIsLost) {
  MessageLedger ledger(2, 10 * kS);
  ledger.published({1, 0, 0}, "soak/a/t", Expectation::kMustDeliver);
  ledger.published({2, 0, 0}, "soak/a/t", Expectation::kMustDeliver);
  ledger.published({3, 0, 0}, "soak/a/t", Expectation::kMustDeliver);  // never acknowledged
  ledger.accepted(1);
  ledger.accepted(2);
  ledger.received(0, {1, 0, 0}, "soak/a/t");
  ledger.received(1, {1, 0, 0}, "soak/a/t");
  ledger.received(0, {2, 0, 0}, "soak/a/t");
  ledger.settle(5 * kS);  // before the deadline nothing is judged
  EXPECT_EQ(ledger.open_messages(), 3u);
  ledger.settle(11 * kS);  // seq 2 is overdue; seq 3 was never accepted: excused
  EXPECT_EQ(ledger.totals().lost, 0u);
  EXPECT_EQ(ledger.open_messages(), 1u);
  ledger.settle(20 * kS, true);  // the run ends without it
  EXPECT_EQ(ledger.totals().lost, 1u);
  EXPECT_EQ(ledger.totals().late, 0u);
  EXPECT_EQ(ledger.totals().must_deliver, 2u);
  EXPECT_EQ(ledger.open_messages(), 0u);
  ASSERT_FALSE(ledger.totals().examples.empty());
  EXPECT_NE(ledger.totals().examples[0].find("seq 2"), std::string::npos);
}

TEST(SoakLedger, RequiredMessageArrivingAfterTheDeadlineIsLateNotLost) {
  MessageLedger ledger(2, 10 * kS);
  ledger.published({1, 0, 0}, "soak/a/t", Expectation::kMustDeliver);
  ledger.accepted(1);
  ledger.received(0, {1, 0, 0}, "soak/a/t");
  ledger.settle(11 * kS);
  ledger.received(1, {1, 0, 0}, "soak/a/t");
  ledger.settle(30 * kS, true);
  EXPECT_EQ(ledger.totals().lost, 0u);
  EXPECT_EQ(ledger.totals().late, 1u);
}

TEST(SoakLedger, RefusedMessageThatArrivesIsAViolationAndRepeatsAreNot) {
  MessageLedger ledger(2, 10 * kS);
  ledger.published({1, 3, 0}, "soak/other/t", Expectation::kMustNotDeliver);
  ledger.published({2, 3, 0}, "soak/x/t", Expectation::kEither);
  ledger.received(0, {1, 3, 0}, "soak/other/t");
  ledger.received(0, {2, 3, 0}, "soak/x/t");
  ledger.received(0, {2, 3, 0}, "soak/x/t");
  EXPECT_EQ(ledger.totals().violations, 1u);
  EXPECT_EQ(ledger.totals().duplicates, 1u);
  EXPECT_EQ(ledger.totals().forbidden_sent, 1u);
}

TEST(SoakLedger, AnOrderExcusesWhatTheBrokerHadNotAcknowledged) {
  MessageLedger ledger(1, 10 * kS);
  ledger.published({1, 5, 1 * kS}, "soak/d5/t", Expectation::kMustDeliver);
  ledger.published({2, 5, 3 * kS}, "soak/d5/t", Expectation::kMustDeliver);
  ledger.published({3, 6, 3 * kS}, "soak/round/4/d6", Expectation::kMustNotDeliver);
  ledger.published({4, 6, 3 * kS}, "soak/round/4/d6", Expectation::kMustNotDeliver);
  ledger.accepted(1);  // judged by the broker before the order: still required
  ledger.accepted(4);  // refused by the broker before round 4 existed: still refused
  ledger.excuse_unacknowledged_from(5);
  ledger.excuse_unacknowledged_on("soak/round/4/");
  ledger.accepted(2);
  ledger.received(0, {3, 6, 3 * kS}, "soak/round/4/d6");
  EXPECT_EQ(ledger.totals().violations, 0u);
  ledger.received(0, {4, 6, 3 * kS}, "soak/round/4/d6");
  EXPECT_EQ(ledger.totals().violations, 1u);
  ledger.settle(0, true);
  EXPECT_EQ(ledger.totals().lost, 1u);  // seq 1; seq 2 was excused
}

TEST(SoakLedger, DropTimesCountFromTheCommandsReturn) {
  DropTimes drops;
  drops.ordered(1, 10 * kS);
  drops.dropped(1, 10 * kS + kS / 10);
  drops.ordered(2, 10 * kS);
  drops.dropped(2, 12 * kS);
  drops.dropped_before_return();
  drops.ordered(3, 10 * kS);
  drops.expire(14 * kS, 5 * kS);
  EXPECT_EQ(drops.missed(), 0u);
  drops.expire(16 * kS, 5 * kS);
  EXPECT_EQ(drops.missed(), 1u);
  EXPECT_EQ(drops.measured(), 3u);
  EXPECT_EQ(drops.over(kS), 1u);
  EXPECT_EQ(drops.max(), 2 * kS);
  EXPECT_EQ(drops.percentile(0.5), kS / 10);
}

TEST(SoakLedger, FlatnessComparesLateWithEarlyAfterWarmup) {
  std::vector<std::pair<double, double>> flat;
  std::vector<std::pair<double, double>> growing;
  for (int t = 0; t < 60; ++t) {
    flat.emplace_back(t, t < 10 ? 50.0 * t : 500.0 + (t % 2));  // warm-up ramp, then flat
    growing.emplace_back(t, 500.0 + 5.0 * t);
  }
  const auto a = judge_flatness(flat, 10, 0.05);
  EXPECT_TRUE(a.flat);
  EXPECT_EQ(a.samples, 50u);
  const auto b = judge_flatness(growing, 10, 0.05);
  EXPECT_FALSE(b.flat);
  EXPECT_GT(b.growth, 0.05);
}

}  // namespace
}  // namespace certacl::soak
