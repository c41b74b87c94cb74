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

struct ProtectedFile {
  dev_t device;
  ino_t inode;
  std::string what;
};

// One process writes a handful of files; the list is filled before the first output.
std::vector<ProtectedFile>& protected_files() {
  static std::vector<ProtectedFile> files;
  return files;
}

std::string_view file_type_name(mode_t mode) {
  if (S_ISLNK(mode)) return "a symbolic link";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device node";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

// Refuses a target that exists and is not a plain file, or that is a protected file.
void refuse_unsafe_target(const std::string& path) {
  struct stat target {};
  if (::lstat(path.c_str(), &target) != 0) return;  // does not exist yet: fine
  if (!S_ISREG(target.st_mode)) {
    throw CaError(ExitCode::kStorage,
                  fmt::format("refusing to write '{}': it is {} (give a regular file path; "
                              "'-' writes certificates and CRLs to standard output)",
                              path, file_type_name(target.st_mode)));
  }
  for (const ProtectedFile& file : protected_files()) {
    if (file.device == target.st_dev && file.inode == target.st_ino) {
      throw CaError(ExitCode::kConflict,
                    fmt::format("refusing to write '{}': it is {}", path, file.what));
    }
  }
}

}  // namespace

void protect_from_output(const std::string& path, const std::string& what) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return;
  protected_files().push_back(ProtectedFile{info.st_dev, info.st_ino, what});
}

AtomicFile::AtomicFile(std::string path, mode_t mode) : path_(std::move(path)) {
  if (path_.empty()) throw CaError(ExitCode::kUsage, "output path is empty");
  refuse_unsafe_target(path_);
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
  try {
    refuse_unsafe_target(path_);  // again: the target may have changed while we signed
  } catch (...) {
    discard();
    throw;
  }
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
