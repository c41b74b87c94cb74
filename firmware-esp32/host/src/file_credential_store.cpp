#include "certacl_fw_host/file_credential_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace certacl::fw::host {
namespace {

constexpr std::size_t kMaxItemBytes = 64 * 1024;  // a PEM chain is a few KiB at most

std::string errno_text() {
  return std::strerror(errno);
}

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  [[nodiscard]] int get() const { return fd_; }
  int release_and_close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

bool write_fully(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t written = ::write(fd, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(written));
  }
  return true;
}

}  // namespace

std::string FileCredentialStore::path_of(CredentialItem item) const {
  const std::string stem(item_name(item));
  return directory_ + "/" + stem +
         ((item == CredentialItem::device_name || item == CredentialItem::active_slot) ? ".txt"
                                                                                       : ".pem");
}

Result<std::optional<std::string>> FileCredentialStore::load(CredentialItem item) {
  const std::string path = path_of(item);
  const FileDescriptor file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (file.get() < 0) {
    if (errno == ENOENT) return std::optional<std::string>{};
    return Status::failure("cannot read " + path + ": " + errno_text());
  }
  std::string contents;
  char buffer[4096];
  for (;;) {
    const ssize_t got = ::read(file.get(), buffer, sizeof(buffer));
    if (got < 0) {
      if (errno == EINTR) continue;
      return Status::failure("cannot read " + path + ": " + errno_text());
    }
    if (got == 0) break;
    contents.append(buffer, static_cast<std::size_t>(got));
    if (contents.size() > kMaxItemBytes)
      return Status::failure(path + " is too large to be a credential");
  }
  return std::optional<std::string>(std::move(contents));
}

Status FileCredentialStore::save(CredentialItem item, std::string_view value) {
  if (::mkdir(directory_.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::failure("cannot create " + directory_ + ": " + errno_text());
  }
  const std::string path = path_of(item);
  const std::string temporary = path + ".tmp";
  const mode_t mode = is_secret(item) ? 0600 : 0644;
  ::unlink(temporary.c_str());  // a leftover from a crash; O_EXCL below needs it gone
  FileDescriptor file(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (file.get() < 0) return Status::failure("cannot create " + temporary + ": " + errno_text());
  // The umask may have narrowed the mode; the key must be exactly 0600, never wider.
  if (::fchmod(file.get(), mode) != 0 || !write_fully(file.get(), value) ||
      ::fsync(file.get()) != 0 || file.release_and_close() != 0) {
    const std::string reason = errno_text();
    ::unlink(temporary.c_str());
    return Status::failure("cannot write " + temporary + ": " + reason);
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const std::string reason = errno_text();
    ::unlink(temporary.c_str());
    return Status::failure("cannot replace " + path + ": " + reason);
  }
  // Make the rename itself durable.
  const FileDescriptor directory(::open(directory_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (directory.get() >= 0) (void)::fsync(directory.get());
  return Status::success();
}

}  // namespace certacl::fw::host
