#include "passphrase_prompt.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/crypto.h>
#include <termios.h>
#include <unistd.h>

#include "ca_error.h"
#include "key_file.h"

namespace certacl::ca {
namespace {

class TerminalFile {
 public:
  TerminalFile() : descriptor_(::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) {}
  ~TerminalFile() {
    if (descriptor_ >= 0) ::close(descriptor_);
  }
  TerminalFile(const TerminalFile&) = delete;
  TerminalFile& operator=(const TerminalFile&) = delete;
  [[nodiscard]] int get() const noexcept { return descriptor_; }

 private:
  int descriptor_;
};

// Echo off while the passphrase is typed, restored on every way out.
class EchoOff {
 public:
  explicit EchoOff(int descriptor) : descriptor_(descriptor) {
    active_ = ::tcgetattr(descriptor_, &saved_) == 0;
    if (!active_) return;
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(descriptor_, TCSANOW, &quiet);
  }
  ~EchoOff() {
    if (active_) ::tcsetattr(descriptor_, TCSANOW, &saved_);
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

 private:
  int descriptor_;
  termios saved_{};
  bool active_ = false;
};

void write_all(int descriptor, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t written = ::write(descriptor, text.data() + done, text.size() - done);
    if (written <= 0) return;
    done += static_cast<std::size_t>(written);
  }
}

}  // namespace

std::optional<std::string> prompt_on_terminal(const std::string& prompt) {
  if (::isatty(STDIN_FILENO) == 0) return std::nullopt;
  const TerminalFile terminal;
  if (terminal.get() < 0) return std::nullopt;
  std::string line;
  {
    const EchoOff quiet(terminal.get());
    write_all(terminal.get(), prompt);
    constexpr std::size_t kMaxLength = 1024;
    char c = 0;
    while (line.size() < kMaxLength && ::read(terminal.get(), &c, 1) == 1 && c != '\n' &&
           c != '\r') {
      line.push_back(c);
    }
  }
  write_all(terminal.get(), "\n");
  return line;
}

std::optional<std::string> obtain_passphrase(const std::optional<std::string>& passphrase_file,
                                             bool key_encrypted, const std::string& key_path) {
  if (passphrase_file) return read_passphrase_file(*passphrase_file);
  if (!key_encrypted) return std::nullopt;
  std::optional<std::string> typed =
      prompt_on_terminal(fmt::format("passphrase for CA key '{}': ", key_path));
  if (!typed) {
    throw CaError(ExitCode::kKey,
                  fmt::format("CA key '{}' is encrypted: give --passphrase-file (or "
                              "$CERTACL_PASSPHRASE_FILE), or run on a terminal to be asked",
                              key_path));
  }
  if (typed->empty()) {
    throw CaError(ExitCode::kKey, fmt::format("empty passphrase for CA key '{}'", key_path));
  }
  return typed;
}

}  // namespace certacl::ca
