#include "output_file.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cstdio>

#include "ca_error.h"

namespace certacl::ca {
namespace {

constexpr std::string_view kStandardOutput = "-";

bool exists_without_following(const std::string& path) {
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0;
}

}  // namespace

OutputFile::OutputFile(const std::string& path, OutputKind kind, bool force) {
  if (path == kStandardOutput) {
    if (kind == OutputKind::kPrivateKey) {
      throw CaError(ExitCode::kUsage,
                    "a private key is never written to standard output; give a file path");
    }
    return;
  }
  if (kind == OutputKind::kPrivateKey) {
    if (!force && exists_without_following(path)) {
      throw CaError(ExitCode::kConflict,
                    fmt::format("refusing to replace existing private key file '{}' (give "
                                "--force to replace it)",
                                path));
    }
    // Without --force the key is linked into place, so a file created meanwhile is not
    // replaced either.
    replace_ = force;
  }
  file_.emplace(path, kind == OutputKind::kPrivateKey ? 0600 : 0644);
}

void OutputFile::commit(std::string_view contents) {
  if (file_) {
    file_->commit(contents, replace_);
    return;
  }
  if (std::fwrite(contents.data(), 1, contents.size(), stdout) != contents.size() ||
      std::fflush(stdout) != 0) {
    throw CaError(ExitCode::kStorage, "cannot write to standard output");
  }
}

void print_serial(const std::string& serial, bool certificate_on_standard_output) {
  fmt::print(certificate_on_standard_output ? stderr : stdout, "serial={}\n", serial);
}

}  // namespace certacl::ca
