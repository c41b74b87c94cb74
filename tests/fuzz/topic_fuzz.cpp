// Differential fuzzing of certacl's topic rules against libmosquitto's own matcher.
// Input: "<filter>\n<topic>\n<other filter>". Any disagreement aborts.

#include <mosquitto.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "certacl/topic.h"

namespace {

std::string_view take_line(std::string_view& input) {
  const std::size_t newline = input.find('\n');
  const std::string_view line = input.substr(0, newline);
  input = newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
  return line;
}

bool mosquitto_matches(const std::string& filter, const std::string& topic, bool& matched) {
  return mosquitto_topic_matches_sub(filter.c_str(), topic.c_str(), &matched) == MOSQ_ERR_SUCCESS;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string filter(take_line(input));
  const std::string topic(take_line(input));
  const std::string other(take_line(input));

  // Validation and substitution must be total: any bytes, no crash.
  (void)certacl::topic_pattern_problem(filter);
  if (certacl::topic_pattern_problem(filter).empty()) {
    const std::string substituted = certacl::substitute_pattern(filter, "dev1", "dev1-a");
    if (!certacl::topic_filter_problem(substituted).empty()) std::abort();
  }

  const bool filter_ok = certacl::topic_filter_problem(filter).empty();
  const bool topic_ok = certacl::topic_name_problem(topic).empty();
  if (filter_ok && topic_ok) {
    const bool ours = certacl::topic_matches_filter(filter, topic);
    bool theirs = false;
    if (mosquitto_matches(filter, topic, theirs) && ours != theirs) std::abort();

    // Containment must be sound: a topic matched by the inner filter is matched by the outer.
    if (certacl::topic_filter_problem(other).empty() && certacl::filter_contains(other, filter) &&
        ours && !certacl::topic_matches_filter(other, topic)) {
      std::abort();
    }
  }
  return 0;
}
