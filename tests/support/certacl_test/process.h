#pragma once
// Running other programs from tests: certacl-ca, mosquitto, certacl-sim, openssl.
// Every call is bounded in time, and every started process is stopped by its owner.

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace certacl::test {

struct CommandResult {
  int exit_code = -1;  // -1 when killed by a signal or timed out
  int signal = 0;      // the signal that ended the process, if any
  bool timed_out = false;
  std::string out;
  std::string err;
};

struct CommandOptions {
  std::map<std::string, std::string> environment;  // added to (or overriding) the parent's
  std::optional<std::string> standard_input;
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};
  std::string working_directory;
};

// Runs argv[0] (searched in PATH when it has no '/') and waits for it, at most
// options.timeout; a process still running then is killed with SIGKILL.
CommandResult run_command(const std::vector<std::string>& argv, const CommandOptions& options = {});

// A background process (a broker, a long-running signing loop). Output goes to files.
// The destructor stops it: SIGTERM, then SIGKILL after a grace period.
class ScopedProcess {
 public:
  ScopedProcess(const std::vector<std::string>& argv, const std::string& log_path,
                const CommandOptions& options = {});
  ~ScopedProcess();
  ScopedProcess(const ScopedProcess&) = delete;
  ScopedProcess& operator=(const ScopedProcess&) = delete;

  [[nodiscard]] pid_t pid() const noexcept { return pid_; }
  [[nodiscard]] bool running();
  void send_signal(int signal_number);
  // Sends SIGTERM (or SIGKILL if `hard`), waits up to `grace`, then SIGKILL; returns the
  // raw wait status.
  int stop(bool hard = false, std::chrono::milliseconds grace = std::chrono::seconds(5));
  // Waits for the process to exit by itself, at most `timeout`; nullopt if still running.
  std::optional<int> wait_for_exit(std::chrono::milliseconds timeout);
  [[nodiscard]] const std::string& log_path() const noexcept { return log_path_; }

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_status_;
  std::string log_path_;
};

}  // namespace certacl::test
