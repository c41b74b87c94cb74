#pragma once
// Scratch files and loopback ports for tests.

#include <sys/stat.h>

#include <string>

namespace certacl::test {

// A fresh directory under $TMPDIR (or /tmp), removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  [[nodiscard]] std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& contents, mode_t mode = 0644);
bool file_exists(const std::string& path);
// Permission bits (e.g. 0600) of a file; throws if it does not exist.
mode_t file_mode(const std::string& path);

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then released).
int free_loopback_port();
// Waits until something accepts TCP connections on 127.0.0.1:port, at most timeout_ms.
bool wait_for_port(int port, int timeout_ms);

}  // namespace certacl::test
