#include "load/load_workers.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>

#include "engine/clock.h"
#include "engine/process_limits.h"
#include "load/fleet_split.h"

namespace certacl::sim {
namespace {

using std::chrono::milliseconds;
constexpr auto kProgressPeriod = std::chrono::seconds(1);
// The workers' own limits bound the run (connect stall, 30 min ramp ceiling, duration,
// drain); this only catches a worker that hangs beyond all of them.
constexpr auto kBeyondWorkerLimits = std::chrono::minutes(35);
constexpr auto kStopGrace = milliseconds(3000);

// One worker process with a pipe to its stdin and one from its stdout. Destroying it
// stops the process (SIGTERM, then SIGKILL) and reaps it.
class WorkerProcess {
 public:
  WorkerProcess(const std::string& executable, const std::vector<std::string>& arguments) {
    int to_child[2];
    int from_child[2];
    if (pipe2(to_child, O_CLOEXEC) != 0) throw std::runtime_error("cannot create a pipe");
    if (pipe2(from_child, O_CLOEXEC) != 0) {
      close(to_child[0]);
      close(to_child[1]);
      throw std::runtime_error("cannot create a pipe");
    }
    std::vector<std::string> argv_strings{executable};
    argv_strings.insert(argv_strings.end(), arguments.begin(), arguments.end());
    std::vector<char*> argv;
    argv.reserve(argv_strings.size() + 1);
    for (auto& argument : argv_strings) argv.push_back(argument.data());
    argv.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(to_child[0], STDIN_FILENO);
      dup2(from_child[1], STDOUT_FILENO);
      execv(executable.c_str(), argv.data());
      _exit(127);
    }
    close(to_child[0]);
    close(from_child[1]);
    if (pid_ < 0) {
      close(to_child[1]);
      close(from_child[0]);
      throw std::runtime_error("cannot fork a load worker");
    }
    stdin_fd_ = to_child[1];
    stdout_fd_ = from_child[0];
  }

  ~WorkerProcess() {
    close_stdin();
    if (stdout_fd_ >= 0) close(stdout_fd_);
    if (!status_) stop();
  }
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  [[nodiscard]] int stdout_fd() const noexcept { return stdout_fd_; }
  [[nodiscard]] bool output_open() const noexcept { return stdout_fd_ >= 0; }

  void send_go() {
    if (stdin_fd_ < 0) return;
    // A worker that already died is seen at its EOF; EPIPE here says nothing new.
    [[maybe_unused]] const auto written = write(stdin_fd_, "go\n", 3);
    close_stdin();
  }

  // Reads what is there; returns the complete lines. Closes the pipe at EOF.
  std::vector<std::string> read_lines() {
    char chunk[65536];
    const ssize_t got = read(stdout_fd_, chunk, sizeof chunk);
    if (got <= 0) {
      if (got < 0 && (errno == EINTR || errno == EAGAIN)) return {};
      close(stdout_fd_);
      stdout_fd_ = -1;
    } else {
      buffer_.append(chunk, static_cast<std::size_t>(got));
    }
    std::vector<std::string> lines;
    for (auto end = buffer_.find('\n'); end != std::string::npos; end = buffer_.find('\n')) {
      lines.push_back(buffer_.substr(0, end));
      buffer_.erase(0, end + 1);
    }
    return lines;
  }

  // Waits for the exit (stopping it after `grace`); the status as the shell shows it.
  int stop(milliseconds grace = kStopGrace) {
    if (status_) return *status_;
    const auto deadline = SteadyClock::now() + grace;
    int raw = 0;
    bool signalled = false;
    while (true) {
      const pid_t done = waitpid(pid_, &raw, WNOHANG);
      if (done == pid_) break;
      if (SteadyClock::now() >= deadline) {
        kill(pid_, signalled ? SIGKILL : SIGTERM);
        if (signalled) {
          waitpid(pid_, &raw, 0);
          break;
        }
        signalled = true;
      }
      std::this_thread::sleep_for(milliseconds(10));
    }
    status_ = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
    return *status_;
  }

 private:
  void close_stdin() {
    if (stdin_fd_ >= 0) close(stdin_fd_);
    stdin_fd_ = -1;
  }

  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  std::string buffer_;
  std::optional<int> status_;
};

// The running binary itself, even if a rebuild replaced the file since it started (the
// link names the open inode), so parent and workers always speak the same protocol.
std::string own_executable() {
  return "/proc/self/exe";
}

struct WorkerView {
  std::unique_ptr<WorkerProcess> process;
  FleetSlice slice;
  bool ready = false;
  LoadProgress progress;
  LatencyHistogram latency;
  std::optional<LoadResult> result;
  std::string problem;
};

void take_message(WorkerView& worker, const std::string& line) {
  const auto json = nlohmann::json::parse(line, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    throw std::invalid_argument(fmt::format("unreadable line '{}'", line.substr(0, 80)));
  }
  if (json.contains("ready")) worker.ready = true;
  if (json.contains("progress")) {
    worker.progress = load_progress_from_wire(json.at("progress"), worker.latency);
  }
  if (json.contains("result")) worker.result = load_result_from_wire(json.at("result"));
}

void print_progress(std::vector<WorkerView>& workers, const LoadSettings& settings,
                    double elapsed_s, std::ostream& out) {
  std::vector<LoadProgress> parts;
  LatencyHistogram latency;
  for (auto& worker : workers) {
    parts.push_back(worker.progress);
    latency.merge(worker.latency);
  }
  auto merged = merge_progress(parts, latency, elapsed_s);
  merged.devices = settings.devices;  // workers that have not reported yet count too
  out << describe_progress(merged) << std::flush;
}

}  // namespace

LoadResult run_load_workers(const LoadSettings& settings, std::size_t count,
                            std::ostream& progress) {
  const auto executable = own_executable();
  std::vector<WorkerView> workers(count);
  for (std::size_t i = 0; i < count; ++i) {
    workers[i].slice = fleet_slice(settings.devices, i, count);
    workers[i].process =
        std::make_unique<WorkerProcess>(executable, worker_arguments(settings, i, count));
  }
  if (settings.progress) {
    progress << fmt::format("load: {} devices across {} worker processes\n", settings.devices,
                            count)
             << std::flush;
  }
  const auto start = SteadyClock::now();
  const auto deadline = start + settings.duration + kBeyondWorkerLimits;
  auto last_progress = start;
  bool released = false;
  while (SteadyClock::now() < deadline) {
    std::vector<pollfd> watched;
    std::vector<std::size_t> owner;
    for (std::size_t i = 0; i < count; ++i) {
      if (!workers[i].process->output_open()) continue;
      watched.push_back({workers[i].process->stdout_fd(), POLLIN, 0});
      owner.push_back(i);
    }
    if (watched.empty()) break;
    poll(watched.data(), watched.size(), 200);
    for (std::size_t w = 0; w < watched.size(); ++w) {
      if (watched[w].revents == 0) continue;
      auto& worker = workers[owner[w]];
      for (const auto& line : worker.process->read_lines()) {
        try {
          take_message(worker, line);
        } catch (const std::exception& error) {
          if (worker.problem.empty()) worker.problem = error.what();
        }
      }
    }
    // Release the fleet into the publish phase once every live worker has connected.
    if (!released) {
      bool all_ready = true;
      for (auto& worker : workers) {
        all_ready = all_ready && (worker.ready || !worker.process->output_open());
      }
      if (all_ready) {
        for (auto& worker : workers) worker.process->send_go();
        released = true;
      }
    }
    const auto now = SteadyClock::now();
    if (settings.progress && now - last_progress >= kProgressPeriod) {
      last_progress = now;
      print_progress(workers, settings, std::chrono::duration<double>(now - start).count(),
                     progress);
    }
  }

  std::vector<LoadResult> results;
  for (std::size_t i = 0; i < count; ++i) {
    auto& worker = workers[i];
    const int status =
        worker.process->stop(worker.process->output_open() ? milliseconds(0) : kStopGrace);
    if (worker.result && status == 0 && worker.problem.empty()) {
      results.push_back(*worker.result);
      continue;
    }
    // A worker without a result: its devices count as unanswered, and the reason is kept.
    LoadResult missing = worker.result.value_or(LoadResult{});
    if (!worker.result) {
      missing.devices = worker.slice.count;
      missing.never_answered = worker.slice.count;
    }
    missing.first_error = worker.problem.empty()
                              ? fmt::format("exited with status {} ({})", status,
                                            worker.result ? "after its result" : "no result")
                              : worker.problem;
    results.push_back(std::move(missing));
  }
  if (settings.progress) {
    print_progress(workers, settings,
                   std::chrono::duration<double>(SteadyClock::now() - start).count(), progress);
  }
  return merge_load_results(results);
}

int run_load_worker(const LoadSettings& fleet_settings, std::size_t index, std::size_t count) {
  // The fleet's cap on TLS handshakes in flight is shared, as is its connect rate.
  LoadSettings settings = fleet_settings;
  settings.max_pending_connects = std::max<std::size_t>(16, settings.max_pending_connects / count);
  const auto slice = fleet_slice(settings.devices, index, count);
  LoadHooks hooks;
  hooks.progress = [](const LoadProgress& progress) {
    std::cout << nlohmann::json{{"progress", load_progress_to_wire(progress)}}.dump() << "\n"
              << std::flush;
  };
  bool announced = false;
  bool released = false;
  hooks.may_publish = [&] {
    if (!announced) {
      std::cout << nlohmann::json{{"ready", true}}.dump() << "\n" << std::flush;
      announced = true;
    }
    pollfd input{STDIN_FILENO, POLLIN, 0};
    if (!released && poll(&input, 1, 0) > 0) {
      // "go", or EOF when the parent is gone: either way there is nothing left to wait for.
      char ignored[16];
      [[maybe_unused]] const auto got = read(STDIN_FILENO, ignored, sizeof ignored);
      released = true;
    }
    return released;
  };
  const auto result = run_load_slice(settings, slice, hooks);
  std::cout << nlohmann::json{{"result", load_result_to_wire(result)}}.dump() << "\n" << std::flush;
  return 0;
}

LoadResult run_load(const LoadSettings& settings, std::ostream& progress) {
  provision_load_fleet(settings, progress);
  const auto limit = raise_open_file_limit(descriptors_needed(settings.devices));
  const auto count = choose_worker_count(settings.devices, settings.workers, limit);
  if (count > 1) return run_load_workers(settings, count, progress);
  LoadHooks hooks;
  if (settings.progress) {
    hooks.progress = [&](const LoadProgress& p) { progress << describe_progress(p) << std::flush; };
  }
  return run_load_slice(settings, {0, settings.devices}, hooks);
}

}  // namespace certacl::sim
