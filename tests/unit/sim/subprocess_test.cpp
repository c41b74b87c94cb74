#include "provision/subprocess.h"

#include <gtest/gtest.h>

namespace certacl::sim {
namespace {

using std::chrono::milliseconds;

TEST(Subprocess, CapturesOutputAndExitCode) {
  const auto result =
      run_subprocess({"sh", "-c", "echo out; echo err >&2; exit 3"}, milliseconds(5000));
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_EQ(result.out, "out\n");
  EXPECT_EQ(result.err, "err\n");
  EXPECT_FALSE(result.timed_out);
}

TEST(Subprocess, KillsAProgramThatOverruns) {
  const auto result = run_subprocess({"sleep", "10"}, milliseconds(200));
  EXPECT_TRUE(result.timed_out);
  EXPECT_EQ(result.exit_code, -1);
}

TEST(Subprocess, NamesAProgramThatCannotStart) {
  try {
    (void)run_subprocess({"/nonexistent/certacl-ca"}, milliseconds(1000));
    FAIL() << "expected an error";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("/nonexistent/certacl-ca"), std::string::npos);
  }
}

}  // namespace
}  // namespace certacl::sim
