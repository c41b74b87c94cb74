#include "certacl/topic.h"

#include <gtest/gtest.h>

#include <string>

namespace certacl {
namespace {

// One line per case: filter, topic, expected decision.
void expect_match(std::string_view filter, std::string_view topic, bool expected) {
  EXPECT_EQ(topic_matches_filter(filter, topic), expected) << filter << " vs " << topic;
}

void expect_contains(std::string_view outer, std::string_view inner, bool expected) {
  EXPECT_EQ(filter_contains(outer, inner), expected) << outer << " contains " << inner;
}

TEST(TopicMatching, LiteralLevels) {
  expect_match("a/b", "a/b", true);
  expect_match("a/b", "a/c", false);
  expect_match("a/b", "a/b/c", false);
  expect_match("a/b/c", "a/b", false);
  expect_match("a//b", "a//b", true);
  expect_match("a/", "a", false);
}

TEST(TopicMatching, SingleLevelWildcard) {
  expect_match("a/+", "a/b", true);
  expect_match("a/+", "a/", true);
  expect_match("a/+", "a", false);
  expect_match("a/+", "a/b/c", false);
  expect_match("+/+", "/b", true);
  expect_match("+", "a", true);
}

TEST(TopicMatching, MultiLevelWildcardIncludesParent) {
  expect_match("a/#", "a", true);
  expect_match("a/#", "a/b/c", true);
  expect_match("a/#", "ab", false);
  expect_match("#", "anything/at/all", true);
}

TEST(TopicMatching, DollarTopicsNeverMatchFirstLevelWildcards) {
  expect_match("#", "$SYS/broker/uptime", false);
  expect_match("+/broker/uptime", "$SYS/broker/uptime", false);
  expect_match("$SYS/#", "$SYS/broker/uptime", true);
  expect_match("$CONTROL/+", "$CONTROL/dynamic-security", true);
}

TEST(FilterContainment, NarrowFiltersInsideWideOnes) {
  expect_contains("factory/dev1/#", "factory/dev1/telemetry", true);
  expect_contains("factory/dev1/#", "factory/dev1/#", true);
  expect_contains("factory/dev1/#", "factory/dev1", true);
  expect_contains("factory/dev1/#", "factory/dev1/+/x", true);
  expect_contains("factory/+/telemetry", "factory/dev1/telemetry", true);
  expect_contains("factory/+/telemetry", "factory/+/telemetry", true);
}

TEST(FilterContainment, WiderFiltersAreRefused) {
  expect_contains("factory/dev1/#", "#", false);
  expect_contains("factory/dev1/#", "factory/+/#", false);
  expect_contains("factory/dev1/#", "factory/#", false);
  expect_contains("factory/dev1/telemetry", "factory/dev1/+", false);
  expect_contains("factory/+/telemetry", "factory/#", false);
  expect_contains("a/+/#", "a/#", false);  // a/# also matches "a"
  expect_contains("a/b", "a/b/c", false);
  expect_contains("a/b/c", "a/b", false);
}

TEST(FilterContainment, DollarTopicsNeedALiteralFirstLevel) {
  expect_contains("#", "$SYS/#", false);
  expect_contains("+/#", "$SYS/broker", false);
  expect_contains("$SYS/#", "$SYS/broker/+", true);
  expect_contains("#", "+/x", true);
}

TEST(TopicValidation, Names) {
  EXPECT_TRUE(topic_name_problem("factory/dev1/telemetry").empty());
  EXPECT_FALSE(topic_name_problem("").empty());
  EXPECT_FALSE(topic_name_problem("a/+").empty());
  EXPECT_FALSE(topic_name_problem("a/#").empty());
  EXPECT_FALSE(topic_name_problem(std::string("a\0b", 3)).empty());
  EXPECT_FALSE(topic_name_problem(std::string(kMaxTopicBytes + 1, 'a')).empty());
}

TEST(TopicValidation, Filters) {
  for (const char* good : {"#", "+", "a/#", "+/+/x", "a//b", "$SYS/#", "a/b/c"}) {
    EXPECT_TRUE(topic_filter_problem(good).empty()) << good;
  }
  for (const char* bad : {"", "a/#/b", "a#", "a/b#", "a+/b", "a/+b", "#/a"}) {
    EXPECT_FALSE(topic_filter_problem(bad).empty()) << bad;
  }
}

TEST(TopicValidation, RejectsMalformedUtf8AndControlCharacters) {
  EXPECT_FALSE(topic_filter_problem("a/\xC3").empty());      // truncated sequence
  EXPECT_FALSE(topic_filter_problem("a/\xC0\xAF").empty());  // overlong '/'
  EXPECT_FALSE(topic_filter_problem("a/\xFF").empty());
  EXPECT_FALSE(topic_filter_problem("a/\x1b[31m").empty());  // terminal escape
  EXPECT_FALSE(topic_filter_problem("a/\xC2\x85").empty());  // C1 control
  EXPECT_TRUE(topic_filter_problem("usine/capteur-\xC3\xA9t\xC3\xA9").empty());
}

TEST(TopicPatterns, PlaceholdersMustBeWholeLevels) {
  EXPECT_TRUE(topic_pattern_problem("factory/%u/telemetry/#").empty());
  EXPECT_TRUE(topic_pattern_problem("clients/%c").empty());
  EXPECT_FALSE(topic_pattern_problem("factory/dev-%u").empty());
  EXPECT_FALSE(topic_pattern_problem("factory/%uu").empty());
  EXPECT_FALSE(topic_pattern_problem("factory/%c%u").empty());
  EXPECT_FALSE(topic_pattern_problem("factory/%u/#/x").empty());
  EXPECT_TRUE(pattern_has_placeholder("a/%u"));
  EXPECT_FALSE(pattern_has_placeholder("a/%ux"));
}

TEST(TopicPatterns, SubstitutionReplacesOnlyWholeLevels) {
  EXPECT_EQ(substitute_pattern("factory/%u/telemetry/#", "dev1", "dev1-a"),
            "factory/dev1/telemetry/#");
  EXPECT_EQ(substitute_pattern("clients/%c/cmd", "dev1", "dev1-a"), "clients/dev1-a/cmd");
  EXPECT_EQ(substitute_pattern("%u/%c", "u", "c"), "u/c");
  EXPECT_EQ(substitute_pattern("a//%u/", "x", "y"), "a//x/");
}

}  // namespace
}  // namespace certacl
