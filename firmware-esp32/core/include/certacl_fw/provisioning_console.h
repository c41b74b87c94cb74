#pragma once
// The line protocol between a device being provisioned and its operator, over a serial
// console (the ESP32's UART) or stdin/stdout on the host:
//
//   device   CERTACL-CSR-BEGIN <device name>
//   device   -----BEGIN CERTIFICATE REQUEST----- ... -----END CERTIFICATE REQUEST-----
//   device   CERTACL-CSR-END
//   device   CERTACL-CERT-WAIT <count>        (1: device certificate; 2: also the CA certificate)
//   operator pastes the PEM certificate(s), device certificate first
//   device   CERTACL-CERT-OK  |  CERTACL-CERT-ERROR <reason>
//
// The console is untrusted input: lines outside a PEM block are skipped within a budget,
// blocks are bounded in size, and anything but a CERTIFICATE block is refused (pasting a
// private key into a console log is an accident worth stopping loudly).

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "certacl_fw/credential_store.h"

namespace certacl::fw {

inline constexpr std::string_view kCsrBeginMarker = "CERTACL-CSR-BEGIN";
inline constexpr std::string_view kCsrEndMarker = "CERTACL-CSR-END";
inline constexpr std::string_view kCertWaitMarker = "CERTACL-CERT-WAIT";
inline constexpr std::string_view kCertOkMarker = "CERTACL-CERT-OK";
inline constexpr std::string_view kCertErrorMarker = "CERTACL-CERT-ERROR";

// The lines the device prints to hand its CSR to the operator, ending with the wait line.
[[nodiscard]] std::vector<std::string> csr_announcement(std::string_view device_name,
                                                        std::string_view csr_pem,
                                                        std::size_t certificates_wanted);

// Collects PEM certificates from console lines.
class CertificateCollector {
 public:
  enum class State { collecting, complete, failed };

  static constexpr std::size_t kMaxLineBytes = 128;
  static constexpr std::size_t kMaxBlockBytes = kMaxStoredItemBytes;  // what NVS keeps
  static constexpr std::size_t kMaxSkippedLines = 64;

  explicit CertificateCollector(std::size_t certificates_wanted);

  // Takes one line (a trailing "\r" or "\n" is ignored) and returns the state after it.
  State feed(std::string_view line);

  [[nodiscard]] State state() const noexcept { return state_; }
  [[nodiscard]] const std::string& error() const noexcept { return error_; }
  // Complete PEM blocks, in the order pasted, each ending with a newline.
  [[nodiscard]] const std::vector<std::string>& certificates() const noexcept {
    return certificates_;
  }

 private:
  State fail(std::string reason);
  State take_outside_block(std::string_view line);
  State take_inside_block(std::string_view line);

  std::size_t wanted_;
  State state_ = State::collecting;
  bool in_block_ = false;
  std::size_t skipped_lines_ = 0;
  std::string block_;
  std::vector<std::string> certificates_;
  std::string error_;
};

}  // namespace certacl::fw
