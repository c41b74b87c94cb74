#pragma once
// Where a command's output goes, decided before anything is signed: a file written
// atomically (atomic_file.h, with its symlink, device-node and protected-file refusals), or
// standard output when the path is "-". Private keys never go to standard output and never
// replace an existing file unless the administrator said --force.

#include <optional>
#include <string>
#include <string_view>

#include "atomic_file.h"

namespace certacl::ca {

enum class OutputKind {
  kPublic,      // certificates, CSRs, CRLs: mode 0644, "-" means standard output
  kPrivateKey,  // mode 0600, never "-", an existing file only with --force
};

class OutputFile {
 public:
  // Throws CaError: kUsage ("-" for a key), kConflict (existing key without force, or a
  // protected file), kStorage (unwritable, symlink, device node).
  OutputFile(const std::string& path, OutputKind kind, bool force = false);

  void commit(std::string_view contents);
  [[nodiscard]] bool is_standard_output() const noexcept { return !file_.has_value(); }

 private:
  std::optional<AtomicFile> file_;
  bool replace_ = true;
};

// Prints "serial=<HEX>" where it does not mix with a PEM written to standard output.
void print_serial(const std::string& serial, bool certificate_on_standard_output);

}  // namespace certacl::ca
