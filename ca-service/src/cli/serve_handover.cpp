// certacl-ca: `serve` hands the process over to certacl-ca-est (see serve_launch.h).
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "ca_error.h"
#include "cli/serve_launch.h"

namespace certacl::ca::cli {
namespace {

// This process's own arguments, exactly as given (the options were already checked).
std::vector<std::string> own_arguments() {
  std::ifstream file("/proc/self/cmdline", std::ios::binary);
  const std::string all((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  std::vector<std::string> arguments;
  std::size_t start = 0;
  while (start < all.size()) {
    const std::size_t end = all.find('\0', start);
    arguments.push_back(all.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return arguments;
}

}  // namespace

void launch_est_server(const est::ServeOptions& /*options*/) {
  std::error_code error;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", error);
  const std::string server = (self.parent_path() / "certacl-ca-est").string();
  std::vector<std::string> arguments = own_arguments();
  if (error || arguments.empty()) {
    throw CaError(ExitCode::kStorage, "cannot find this program's own path and arguments");
  }
  arguments.front() = server;
  std::vector<char*> argv;
  for (std::string& argument : arguments) argv.push_back(argument.data());
  argv.push_back(nullptr);
  ::execv(server.c_str(), argv.data());
  throw CaError(ExitCode::kStorage,
                fmt::format("cannot run the EST server '{}': {}", server, std::strerror(errno)));
}

}  // namespace certacl::ca::cli
