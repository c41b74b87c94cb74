// Differential fuzzing of certacl's topic rules against libmosquitto's own matcher, and of
// a role's shared compiled rules (%u/%c filled at check time) against the same rules
// substituted for one session and tested one by one.
// Input: "<filter>\n<topic>\n<other filter>\n<identity>". Any disagreement aborts.

#include <mosquitto.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "certacl/topic.h"
#include "client_acl.h"

namespace {

std::string_view take_line(std::string_view& input) {
  const std::size_t newline = input.find('\n');
  const std::string_view line = input.substr(0, newline);
  input = newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
  return line;
}

// The decision a per-session compile took: substitute, validate, deny wins, no match denies.
certacl::policy::Decision one_by_one(const std::string& allow, const std::string& deny,
                                     std::string_view text, bool filter,
                                     const std::string& identity) {
  using certacl::policy::Decision;
  using certacl::policy::Reason;
  auto substituted = [&](const std::string& pattern) {
    return certacl::pattern_has_placeholder(pattern)
               ? certacl::substitute_pattern(pattern, identity, identity + "-c")
               : pattern;
  };
  auto hits = [&](const std::string& pattern) {
    return filter ? certacl::filter_contains(pattern, text)
                  : certacl::topic_matches_filter(pattern, text);
  };
  const std::string deny_pattern = substituted(deny);
  if (!certacl::topic_filter_problem(deny_pattern).empty() || hits(deny_pattern)) {
    return Decision::deny(Reason::kDeniedByRule);
  }
  const std::string allow_pattern = substituted(allow);
  if (certacl::topic_filter_problem(allow_pattern).empty() && hits(allow_pattern)) {
    return Decision::allow();
  }
  return Decision::deny(Reason::kNoMatchingRule);
}

void check_shared_rules(const std::string& allow, const std::string& deny,
                        const std::string& topic, const std::string& identity) {
  using certacl::RuleAction;
  using certacl::RuleEffect;
  const std::vector<certacl::RoleRule> rules{
      {"r", RuleEffect::kAllow, RuleAction::kSubscribe, allow},
      {"r", RuleEffect::kDeny, RuleAction::kSubscribe, deny}};
  const auto acl = certacl::policy::ClientAcl::bind(certacl::policy::RolePolicy::compile(rules),
                                                    identity, identity + "-c");
  if (certacl::topic_name_problem(topic).empty() &&
      acl.check_read(topic) != one_by_one(allow, deny, topic, false, identity)) {
    std::abort();
  }
  if (certacl::topic_filter_problem(topic).empty() &&
      acl.check_subscribe(topic) != one_by_one(allow, deny, topic, true, identity)) {
    std::abort();
  }
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
  const std::string identity(take_line(input));

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
  // Any identity: ordinary ones share the compiled rules, odd ones fall back to a
  // per-session compile; both must decide as the substituted rules do.
  check_shared_rules(filter, other, topic, identity.empty() ? "dev1" : identity);
  return 0;
}
