// A small load run through the real broker: every device connects, every message arrives.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "sim_environment.h"

namespace certacl::test {
namespace {

TEST(LoadRun, FiftyDevicesDeliverEveryMessage) {
  SimEnvironment environment;
  ASSERT_TRUE(environment.broker->start()) << environment.broker->log();
  const auto result =
      environment.sim({"load", "--devices", "50", "--connect-rate", "0", "--publish-rate", "5",
                       "--payload-bytes", "100", "--duration", "3", "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err << environment.broker->log();
  const auto json = nlohmann::json::parse(result.out, nullptr, false);
  ASSERT_FALSE(json.is_discarded()) << result.out;
  EXPECT_EQ(json["connected"], 50);
  EXPECT_EQ(json["refused"], 0);
  EXPECT_EQ(json["connection_errors"], 0);
  EXPECT_EQ(json["dropped"], 0);
  // 50 devices x 5/s x 3 s = 750 scheduled; only the last tick may be cut by a slow loop.
  EXPECT_GE(json["sent"].get<int>(), 675);
  EXPECT_LE(json["sent"].get<int>(), 750);
  EXPECT_EQ(json["delivered"], json["sent"]);
  EXPECT_EQ(json["latency_ms"]["samples"], json["delivered"]);
  EXPECT_TRUE(json["passed"].get<bool>());
  // Progress lines go to stderr while it runs.
  EXPECT_NE(result.err.find("connected"), std::string::npos) << result.err;
}

// Two worker processes, one merged report: every device counted once, every message once,
// and the latency samples of both workers in one histogram.
TEST(LoadRun, TwoWorkersReportOneMergedFleet) {
  SimEnvironment environment;
  ASSERT_TRUE(environment.broker->start()) << environment.broker->log();
  const auto result =
      environment.sim({"load", "--devices", "41", "--workers", "2", "--connect-rate", "0",
                       "--publish-rate", "4", "--duration", "3", "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err << environment.broker->log();
  EXPECT_NE(result.err.find("41 devices across 2 worker processes"), std::string::npos)
      << result.err;
  const auto json = nlohmann::json::parse(result.out, nullptr, false);
  ASSERT_FALSE(json.is_discarded()) << result.out;
  EXPECT_EQ(json["devices"], 41);
  EXPECT_EQ(json["connected"], 41);
  EXPECT_EQ(json["never_answered"], 0);
  // 41 devices x 4/s x 3 s = 492 scheduled; the workers publish in the same window.
  EXPECT_GE(json["sent"].get<int>(), 440);
  EXPECT_LE(json["sent"].get<int>(), 492);
  EXPECT_EQ(json["delivered"], json["sent"]);
  EXPECT_EQ(json["latency_ms"]["samples"], json["delivered"]);
  EXPECT_LE(json["latency_ms"]["p50"].get<double>(), json["latency_ms"]["p99"].get<double>());
  EXPECT_TRUE(json["passed"].get<bool>());
  // One merged progress line a second, not one per worker.
  EXPECT_NE(result.err.find("connected 41/41"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace certacl::test
