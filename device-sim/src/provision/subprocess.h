#pragma once
// Runs another program (certacl-ca) with its output captured, bounded in time.

#include <chrono>
#include <string>
#include <vector>

namespace certacl::sim {

struct SubprocessResult {
  int exit_code = -1;  // -1 when it died from a signal or was killed on timeout
  bool timed_out = false;
  std::string out;
  std::string err;
};

// argv[0] is searched in PATH when it has no '/'. Throws only when the program cannot be
// started at all.
SubprocessResult run_subprocess(const std::vector<std::string>& argv,
                                std::chrono::milliseconds timeout);

}  // namespace certacl::sim
