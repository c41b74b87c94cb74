#include "atomic_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "ca_error.h"

namespace certacl::ca {
namespace {

[[noreturn]] void fail(const std::string& path, const char* what, int error) {
  throw CaError(ExitCode::kStorage,
                fmt::format("cannot write '{}': {}: {}", path, what, std::strerror(error)));
}

std::string directory_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// The rename is durable only once the directory entry itself is on disk.
void sync_directory(const std::string& path) {
  const int directory = ::open(directory_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (directory < 0) return;
  ::fsync(directory);
  ::close(directory);
}

}  // namespace

AtomicFile::AtomicFile(std::string path, mode_t mode) : path_(std::move(path)) {
  if (path_.empty()) throw CaError(ExitCode::kUsage, "output path is empty");
  struct stat target {};
  if (::stat(path_.c_str(), &target) == 0 && S_ISDIR(target.st_mode)) {
    throw CaError(ExitCode::kStorage, fmt::format("cannot write '{}': it is a directory", path_));
  }
  std::string pattern = path_ + ".tmp.XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  descriptor_ = ::mkstemp(buffer.data());
  if (descriptor_ < 0) fail(path_, "cannot create a file in its directory", errno);
  temporary_path_.assign(buffer.data());
  if (::fchmod(descriptor_, mode) != 0) {
    const int error = errno;
    discard();
    fail(path_, "cannot set its mode", error);
  }
}

AtomicFile::~AtomicFile() {
  discard();
}

void AtomicFile::discard() noexcept {
  if (descriptor_ >= 0) {
    ::close(descriptor_);
    descriptor_ = -1;
  }
  if (!temporary_path_.empty()) {
    ::unlink(temporary_path_.c_str());
    temporary_path_.clear();
  }
}

void AtomicFile::commit(std::string_view contents, bool replace) {
  if (descriptor_ < 0)
    throw CaError(ExitCode::kStorage, fmt::format("'{}' already written", path_));
  std::size_t written = 0;
  while (written < contents.size()) {
    const ssize_t result =
        ::write(descriptor_, contents.data() + written, contents.size() - written);
    if (result < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      discard();
      fail(path_, "write failed", error);
    }
    written += static_cast<std::size_t>(result);
  }
  if (::fsync(descriptor_) != 0) {
    const int error = errno;
    discard();
    fail(path_, "fsync failed", error);
  }
  ::close(descriptor_);
  descriptor_ = -1;
  if (replace) {
    if (::rename(temporary_path_.c_str(), path_.c_str()) != 0) {
      const int error = errno;
      discard();
      fail(path_, "rename failed", error);
    }
  } else {
    // link() refuses an existing target, which rename() would silently replace.
    if (::link(temporary_path_.c_str(), path_.c_str()) != 0) {
      const int error = errno;
      discard();
      if (error == EEXIST) {
        throw CaError(ExitCode::kConflict,
                      fmt::format("refusing to overwrite existing file '{}'", path_));
      }
      fail(path_, "link failed", error);
    }
    ::unlink(temporary_path_.c_str());
  }
  temporary_path_.clear();
  sync_directory(path_);
}

void write_file_atomically(const std::string& path, std::string_view contents, mode_t mode) {
  AtomicFile file(path, mode);
  file.commit(contents);
}

}  // namespace certacl::ca
