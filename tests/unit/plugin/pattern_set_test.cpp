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

TEST(PatternSetTest, EmptySetMatchesNothing) {
  const PatternSet patterns;
  EXPECT_FALSE(patterns.any_matches_topic("a"));
  EXPECT_FALSE(patterns.any_contains_filter("#"));
}

}  // namespace
}  // namespace certacl::policy
