#include "scenario/scenario_report.h"

#include <gtest/gtest.h>

#include "engine/process_limits.h"
#include "provision/ca_cli.h"

namespace certacl::sim {
namespace {

TEST(ScenarioReport, PassesOnlyWhenEveryRowMatches) {
  ScenarioReport report("attacks");
  EXPECT_FALSE(report.passed()) << "a report with no checks proves nothing";
  report.add("revoked certificate", "refused", "refused: CONNACK 5", true);
  EXPECT_TRUE(report.passed());
  report.add("device subscribes to '#'", "SUBACK 0x80", "SUBACK granted QoS 1", false);
  EXPECT_FALSE(report.passed());
}

TEST(ScenarioReport, TableShowsExpectedObservedAndVerdict) {
  ScenarioReport report("seeds");
  report.add("sensor1 readings reach dashboard1", "5/5", "5/5", true);
  report.add("client_b -> client_a on test/topic", "5/5", "3/5", false);
  report.measure("latency p50", 1.25, "ms");
  const auto table = report.table();
  EXPECT_NE(table.find("ok     sensor1 readings reach dashboard1"), std::string::npos) << table;
  EXPECT_NE(table.find("FAIL   client_b -> client_a on test/topic"), std::string::npos) << table;
  EXPECT_NE(table.find("3/5"), std::string::npos);
  EXPECT_NE(table.find("measured: latency p50 = 1.2 ms"), std::string::npos) << table;
  EXPECT_NE(table.find("seeds: 1/2 checks as expected -> FAIL"), std::string::npos) << table;
}

TEST(ScenarioReport, SetupFailureIsAFailedRow) {
  ScenarioReport report("revoke-live");
  report.setup_failed("certacl-ca enroll sim-live failed: no such device");
  ASSERT_EQ(report.checks().size(), 1u);
  EXPECT_FALSE(report.passed());
  const auto json = report.to_json();
  EXPECT_EQ(json["scenario"], "revoke-live");
  EXPECT_FALSE(json["passed"].get<bool>());
  EXPECT_EQ(json["checks"][0]["observed"], "certacl-ca enroll sim-live failed: no such device");
}

TEST(CaCliOutput, ParsesTheSerialLine) {
  EXPECT_EQ(parse_serial("serial=1A2b3C\n"), "1A2B3C");
  EXPECT_EQ(parse_serial("enrolled sensor1\nserial=00FF cert=x\n"), "00FF");
  EXPECT_EQ(parse_serial("no serial here"), "");
}

TEST(ProcessLimits, NamesTheDescriptorShortfall) {
  EXPECT_EQ(descriptor_budget_problem(100, 1'000'000), "");
  const auto problem = descriptor_budget_problem(10'000, 1024);
  EXPECT_NE(problem.find("10000 devices"), std::string::npos) << problem;
  EXPECT_NE(problem.find("limit is 1024"), std::string::npos) << problem;
}

}  // namespace
}  // namespace certacl::sim
