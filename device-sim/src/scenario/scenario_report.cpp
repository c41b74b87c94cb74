#include "scenario/scenario_report.h"

#include <fmt/format.h>

#include <algorithm>

namespace certacl::sim {

void ScenarioReport::add(std::string check, std::string expected, std::string observed,
                         bool passed) {
  checks_.push_back({std::move(check), std::move(expected), std::move(observed), passed});
}

void ScenarioReport::measure(std::string name, double value, std::string unit) {
  measurements_.push_back({std::move(name), value, std::move(unit)});
}

void ScenarioReport::device_activity(std::string device, std::string outcome, std::uint64_t sent,
                                     std::uint64_t received, std::uint64_t refused_subscriptions) {
  activity_.push_back(
      fmt::format("{:<12} sent {:>3}  received {:>3}  refused subscriptions {}  ({})", device, sent,
                  received, refused_subscriptions, outcome));
}

void ScenarioReport::setup_failed(const std::string& reason) {
  add("scenario setup", "completes", reason, false);
}

bool ScenarioReport::passed() const noexcept {
  return !checks_.empty() &&
         std::all_of(checks_.begin(), checks_.end(), [](const auto& c) { return c.passed; });
}

std::string ScenarioReport::table() const {
  std::size_t check_width = 5;
  std::size_t expected_width = 8;
  for (const auto& row : checks_) {
    check_width = std::max(check_width, row.check.size());
    expected_width = std::max(expected_width, row.expected.size());
  }
  const auto passed_count =
      std::count_if(checks_.begin(), checks_.end(), [](const auto& c) { return c.passed; });
  std::string out = fmt::format("== scenario {} ==\n", scenario_);
  out += fmt::format("  {:<6} {:<{}}  {:<{}}  {}\n", "RESULT", "CHECK", check_width, "EXPECTED",
                     expected_width, "OBSERVED");
  for (const auto& row : checks_) {
    out += fmt::format("  {:<6} {:<{}}  {:<{}}  {}\n", row.passed ? "ok" : "FAIL", row.check,
                       check_width, row.expected, expected_width, row.observed);
  }
  for (const auto& line : activity_) out += fmt::format("  device {}\n", line);
  for (const auto& m : measurements_) {
    out += fmt::format("  measured: {} = {:.1f} {}\n", m.name, m.value, m.unit);
  }
  out += fmt::format("{}: {}/{} checks as expected -> {}\n", scenario_, passed_count,
                     checks_.size(), passed() ? "PASS" : "FAIL");
  return out;
}

nlohmann::json ScenarioReport::to_json() const {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : checks_) {
    rows.push_back({{"check", row.check},
                    {"expected", row.expected},
                    {"observed", row.observed},
                    {"passed", row.passed}});
  }
  nlohmann::json measured = nlohmann::json::object();
  for (const auto& m : measurements_) measured[m.name] = {{"value", m.value}, {"unit", m.unit}};
  return {
      {"scenario", scenario_}, {"passed", passed()}, {"checks", rows}, {"measurements", measured}};
}

}  // namespace certacl::sim
