#pragma once
// The failure kinds certacl-ca reports, each with its own exit code (docs/CA.md lists them),
// so scripts can tell "bad CSR" from "database locked" without parsing text.

#include <stdexcept>
#include <string>

namespace certacl::ca {

enum class ExitCode : int {
  kOk = 0,
  kUsage = 1,     // unknown command or option, missing argument
  kBadInput = 2,  // malformed CSR, weak key, bad name or topic pattern, bad SAN
  kNotFound = 3,  // unknown device, role, serial, or no CA yet
  kConflict = 4,  // already exists, already revoked, device disabled
  kStorage = 5,   // database or file I/O failure, missing or foreign database
  kKey = 6,       // CA key unreadable, wrong or missing passphrase
};

class CaError : public std::runtime_error {
 public:
  CaError(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  [[nodiscard]] ExitCode code() const noexcept { return code_; }

 private:
  ExitCode code_;
};

}  // namespace certacl::ca
