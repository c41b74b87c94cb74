// The pattern tree must answer exactly as testing every pattern one by one with
// common/topic.h would: checked over many generated pattern sets, topics and filters.
#include "pattern_set.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "certacl/topic.h"

namespace certacl::policy {
namespace {

const char* const kLevels[] = {"a", "b", "c", "", "$SYS", "$q", "long-level", "+", "#"};

std::string random_text(std::mt19937& random, bool wildcards) {
  std::uniform_int_distribution<int> depth(1, 4);
  std::uniform_int_distribution<std::size_t> pick(0, std::size(kLevels) - (wildcards ? 1 : 3));
  std::string text;
  const int levels = depth(random);
  for (int i = 0; i < levels; ++i) {
    if (i > 0) text += '/';
    const std::string level = kLevels[pick(random)];
    text += level;
    if (level == "#") break;
  }
  return text;
}

TEST(PatternSetTest, AgreesWithOneByOneMatchingAndContainment) {
  std::mt19937 random(4242);
  std::size_t positives = 0;
  for (int set = 0; set < 300; ++set) {
    PatternSet patterns;
    std::vector<std::string> plain;
    std::uniform_int_distribution<int> count(1, 12);
    for (int i = count(random); i > 0; --i) {
      const std::string pattern = random_text(random, true);
      if (!topic_filter_problem(pattern).empty()) continue;
      patterns.add(pattern);
      plain.push_back(pattern);
    }
    for (int probe = 0; probe < 100; ++probe) {
      const std::string topic = random_text(random, false);
      if (topic_name_problem(topic).empty()) {
        const bool expected = std::any_of(plain.begin(), plain.end(), [&](const std::string& p) {
          return topic_matches_filter(p, topic);
        });
        ASSERT_EQ(patterns.any_matches_topic(topic), expected) << "topic '" << topic << "'";
        positives += expected ? 1 : 0;
      }
      const std::string filter = random_text(random, true);
      if (topic_filter_problem(filter).empty()) {
        const bool expected = std::any_of(plain.begin(), plain.end(), [&](const std::string& p) {
          return filter_contains(p, filter);
        });
        ASSERT_EQ(patterns.any_contains_filter(filter), expected) << "filter '" << filter << "'";
        positives += expected ? 1 : 0;
      }
    }
  }
  EXPECT_GT(positives, 2000U);
}

TEST(PatternSetTest, WideNodesUseTheIndexAndStayExact) {
  PatternSet patterns;
  for (int i = 0; i < 50; ++i) patterns.add("fleet/zone-" + std::to_string(i) + "/+/data");
  EXPECT_TRUE(patterns.any_matches_topic("fleet/zone-49/x/data"));
  EXPECT_TRUE(patterns.any_matches_topic("fleet/zone-0/x/data"));
  EXPECT_FALSE(patterns.any_matches_topic("fleet/zone-50/x/data"));
  EXPECT_TRUE(patterns.any_contains_filter("fleet/zone-7/+/data"));
  EXPECT_FALSE(patterns.any_contains_filter("fleet/+/+/data"));
  EXPECT_EQ(patterns.size(), 50U);
}

// Placeholder edges: one tree for every identity must answer like the patterns with the
// values substituted, tested one by one. Tags: the walk reports every kind that matched.
const char* const kPlaceholderLevels[] = {"a", "b", "dev1", "", "$q", "%u", "%c", "+", "#"};

std::string random_pattern(std::mt19937& random, bool wildcards) {
  std::uniform_int_distribution<int> depth(1, 4);
  const std::size_t literals = std::size(kPlaceholderLevels) - 2;
  std::uniform_int_distribution<std::size_t> pick(0, wildcards ? literals + 1 : literals - 1);
  std::string text;
  const int levels = depth(random);
  for (int i = 0; i < levels; ++i) {
    if (i > 0) text += '/';
    const std::string level = kPlaceholderLevels[pick(random)];
    text += level;
    if (level == "#") break;
  }
  return text;
}

TEST(PatternSetTest, PlaceholderEdgesAnswerLikeSubstitutedPatterns) {
  std::mt19937 random(777);
  const char* const values[] = {"dev1", "a", "%u", "%c", "$q", "z"};
  std::uniform_int_distribution<std::size_t> value(0, std::size(values) - 1);
  std::bernoulli_distribution deny(0.3);
  std::size_t positives = 0;
  for (int set = 0; set < 300; ++set) {
    PatternSet patterns;
    std::vector<std::pair<std::string, PatternTags>> plain;
    std::uniform_int_distribution<int> count(1, 10);
    for (int i = count(random); i > 0; --i) {
      const std::string pattern = random_pattern(random, true);
      if (!topic_filter_problem(pattern).empty()) continue;
      const PatternTags tags = deny(random) ? kDenyTag : kAllowTag;
      patterns.add_with_placeholders(pattern, tags);
      plain.emplace_back(pattern, tags);
    }
    for (int probe = 0; probe < 60; ++probe) {
      const PlaceholderValues bound{values[value(random)], values[value(random)]};
      PatternTags expect_topic = 0;
      PatternTags expect_filter = 0;
      const std::string topic = random_pattern(random, false);
      const std::string filter = random_pattern(random, true);
      for (const auto& [pattern, tags] : plain) {
        const std::string substituted =
            substitute_pattern(pattern, std::string(bound.identity), std::string(bound.client_id));
        if (topic_matches_filter(substituted, topic)) expect_topic |= tags;
        if (filter_contains(substituted, filter)) expect_filter |= tags;
      }
      if (topic_name_problem(topic).empty()) {
        ASSERT_EQ(patterns.tags_matching_topic(topic, bound, 0), expect_topic)
            << "topic '" << topic << "' %u='" << bound.identity << "'";
        ASSERT_EQ(patterns.tags_matching_topic(topic, bound, kDenyTag) & kDenyTag,
                  expect_topic & kDenyTag);
        positives += expect_topic != 0 ? 1 : 0;
      }
      if (topic_filter_problem(filter).empty()) {
        ASSERT_EQ(patterns.tags_containing_filter(filter, bound, 0), expect_filter)
            << "filter '" << filter << "' %u='" << bound.identity << "'";
        positives += expect_filter != 0 ? 1 : 0;
      }
    }
  }
  EXPECT_GT(positives, 1500U);
}

TEST(PatternSetTest, OnlyAddWithPlaceholdersTurnsPercentLevelsIntoPlaceholders) {
  PatternSet literal;
  literal.add("x/%u");
  EXPECT_TRUE(literal.any_matches_topic("x/%u", {"dev1", "dev1"}));
  EXPECT_FALSE(literal.any_matches_topic("x/dev1", {"dev1", "dev1"}));

  PatternSet placeholder;
  placeholder.add_with_placeholders("x/%u/%c");
  EXPECT_TRUE(placeholder.any_matches_topic("x/dev1/dev1-a", {"dev1", "dev1-a"}));
  EXPECT_FALSE(placeholder.any_matches_topic("x/%u/%c", {"dev1", "dev1-a"}));
  EXPECT_FALSE(placeholder.any_matches_topic("x/dev1/dev1-a"));  // nothing bound
  EXPECT_TRUE(placeholder.any_contains_filter("x/dev1/dev1-a", {"dev1", "dev1-a"}));
  EXPECT_FALSE(placeholder.any_contains_filter("x/+/dev1-a", {"dev1", "dev1-a"}));
}

TEST(PatternSetTest, EmptySetMatchesNothing) {
  const PatternSet patterns;
  EXPECT_FALSE(patterns.any_matches_topic("a"));
  EXPECT_FALSE(patterns.any_contains_filter("#"));
}

}  // namespace
}  // namespace certacl::policy
