#pragma once
// What a scenario expected and what it observed, one row per check, printed as a table
// (or JSON). Any row that does not match fails the scenario.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace certacl::sim {

struct CheckResult {
  std::string check;
  std::string expected;
  std::string observed;
  bool passed = false;
};

class ScenarioReport {
 public:
  explicit ScenarioReport(std::string scenario) : scenario_(std::move(scenario)) {}

  void add(std::string check, std::string expected, std::string observed, bool passed);
  // A measured figure shown under the table (e.g. the revocation drop latency).
  void measure(std::string name, double value, std::string unit);
  // What one simulated device did: how it connected, what it sent, received and had refused.
  void device_activity(std::string device, std::string outcome, std::uint64_t sent,
                       std::uint64_t received, std::uint64_t refused_subscriptions);
  // Setup failed before any check could run: recorded as one failed row.
  void setup_failed(const std::string& reason);

  [[nodiscard]] bool passed() const noexcept;
  [[nodiscard]] const std::string& scenario() const noexcept { return scenario_; }
  [[nodiscard]] const std::vector<CheckResult>& checks() const noexcept { return checks_; }
  [[nodiscard]] std::string table() const;
  [[nodiscard]] nlohmann::json to_json() const;

 private:
  struct Measurement {
    std::string name;
    double value;
    std::string unit;
  };
  std::string scenario_;
  std::vector<CheckResult> checks_;
  std::vector<Measurement> measurements_;
  std::vector<std::string> activity_;
};

}  // namespace certacl::sim
