// Differential test: common/topic.h's topic_matches_filter must agree with libmosquitto's
// mosquitto_topic_matches_sub() on many generated topics and filters, since the broker
// routes with one and certacl authorizes with the other.
#include <gtest/gtest.h>
#include <mosquitto.h>

#include <random>
#include <string>

#include "certacl/topic.h"

namespace {

const char* const kLevels[] = {"a", "b", "sensor-7", "", "$SYS", "$x", "%u", "long level"};

std::string random_topic(std::mt19937& random, bool allow_wildcards) {
  std::uniform_int_distribution<int> depth(1, 5);
  std::uniform_int_distribution<int> pick(0, static_cast<int>(std::size(kLevels)) + 1);
  const int levels = depth(random);
  std::string text;
  for (int i = 0; i < levels; ++i) {
    if (i > 0) text += '/';
    const int choice = pick(random);
    if (allow_wildcards && choice == static_cast<int>(std::size(kLevels))) {
      text += '+';
    } else if (allow_wildcards && choice == static_cast<int>(std::size(kLevels)) + 1) {
      text += '#';
      break;  // '#' must be last
    } else {
      text += kLevels[choice % std::size(kLevels)];
    }
  }
  return text;
}

TEST(TopicDifferentialTest, AgreesWithLibmosquittoOnGeneratedTopics) {
  std::mt19937 random(20261123);
  int compared = 0;
  int matches = 0;
  for (int i = 0; i < 40000; ++i) {
    const std::string filter = random_topic(random, true);
    const std::string topic = random_topic(random, false);
    if (!certacl::topic_filter_problem(filter).empty() ||
        !certacl::topic_name_problem(topic).empty()) {
      continue;
    }
    bool reference = false;
    ASSERT_EQ(mosquitto_topic_matches_sub(filter.c_str(), topic.c_str(), &reference),
              MOSQ_ERR_SUCCESS)
        << filter << " vs " << topic;
    ASSERT_EQ(certacl::topic_matches_filter(filter, topic), reference)
        << "filter '" << filter << "' topic '" << topic << "'";
    ++compared;
    matches += reference ? 1 : 0;
  }
  // Guard against a generator that only produces trivial cases.
  EXPECT_GT(compared, 20000);
  EXPECT_GT(matches, 1000);
}

TEST(TopicDifferentialTest, ContainmentImpliesMatchingOnGeneratedTopics) {
  // filter_contains(outer, inner) promises: every topic inner matches, outer matches too.
  std::mt19937 random(7);
  int contained_pairs = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string outer = random_topic(random, true);
    const std::string inner = random_topic(random, true);
    if (!certacl::topic_filter_problem(outer).empty() ||
        !certacl::topic_filter_problem(inner).empty() || !certacl::filter_contains(outer, inner)) {
      continue;
    }
    ++contained_pairs;
    for (int j = 0; j < 20; ++j) {
      const std::string topic = random_topic(random, false);
      if (!certacl::topic_name_problem(topic).empty()) continue;
      bool inner_matches = false;
      bool outer_matches = false;
      ASSERT_EQ(mosquitto_topic_matches_sub(inner.c_str(), topic.c_str(), &inner_matches), 0);
      ASSERT_EQ(mosquitto_topic_matches_sub(outer.c_str(), topic.c_str(), &outer_matches), 0);
      if (inner_matches) {
        ASSERT_TRUE(outer_matches)
            << "'" << outer << "' contains '" << inner << "' but misses topic '" << topic << "'";
      }
    }
  }
  EXPECT_GT(contained_pairs, 500);
}

}  // namespace
