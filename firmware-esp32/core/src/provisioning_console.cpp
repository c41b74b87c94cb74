#include "certacl_fw/provisioning_console.h"

#include <string>

namespace certacl::fw {
namespace {

constexpr std::string_view kBeginCertificate = "-----BEGIN CERTIFICATE-----";
constexpr std::string_view kEndCertificate = "-----END CERTIFICATE-----";
constexpr std::string_view kBeginAny = "-----BEGIN ";

std::string_view trim(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n' || line.back() == ' ' ||
                           line.back() == '\t')) {
    line.remove_suffix(1);
  }
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  return line;
}

bool is_base64_line(std::string_view line) {
  for (const char c : line) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '+' || c == '/' || c == '=';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::vector<std::string> csr_announcement(std::string_view device_name, std::string_view csr_pem,
                                          std::size_t certificates_wanted) {
  std::vector<std::string> lines;
  lines.push_back(std::string(kCsrBeginMarker) + " " + std::string(device_name));
  std::size_t start = 0;
  while (start < csr_pem.size()) {
    std::size_t end = csr_pem.find('\n', start);
    if (end == std::string_view::npos) end = csr_pem.size();
    const auto line = trim(csr_pem.substr(start, end - start));
    if (!line.empty()) lines.emplace_back(line);
    start = end + 1;
  }
  lines.emplace_back(kCsrEndMarker);
  lines.push_back(std::string(kCertWaitMarker) + " " + std::to_string(certificates_wanted));
  return lines;
}

CertificateCollector::CertificateCollector(std::size_t certificates_wanted)
    : wanted_(certificates_wanted == 0 ? 1 : certificates_wanted) {}

CertificateCollector::State CertificateCollector::fail(std::string reason) {
  state_ = State::failed;
  error_ = std::move(reason);
  block_.clear();
  return state_;
}

CertificateCollector::State CertificateCollector::feed(std::string_view raw_line) {
  if (state_ != State::collecting) return state_;
  if (raw_line.size() > kMaxLineBytes + 2) return fail("a console line is longer than a PEM line");
  const auto line = trim(raw_line);
  return in_block_ ? take_inside_block(line) : take_outside_block(line);
}

CertificateCollector::State CertificateCollector::take_outside_block(std::string_view line) {
  if (line == kBeginCertificate) {
    in_block_ = true;
    block_ = std::string(line) + "\n";
    return state_;
  }
  if (line.substr(0, kBeginAny.size()) == kBeginAny) {
    return fail("expected a CERTIFICATE, got a PEM block '" + std::string(line) + "'");
  }
  if (!line.empty() && ++skipped_lines_ > kMaxSkippedLines) {
    return fail("too many lines that are not a PEM certificate");
  }
  return state_;
}

CertificateCollector::State CertificateCollector::take_inside_block(std::string_view line) {
  if (line == kEndCertificate) {
    block_ += std::string(line) + "\n";
    certificates_.push_back(std::move(block_));
    block_.clear();
    in_block_ = false;
    if (certificates_.size() >= wanted_) state_ = State::complete;
    return state_;
  }
  if (line.empty()) return fail("the PEM certificate was cut off by an empty line");
  if (!is_base64_line(line)) return fail("the PEM certificate has a line that is not base64");
  if (block_.size() + line.size() + 1 > kMaxBlockBytes) {
    return fail("the PEM certificate is larger than " + std::to_string(kMaxBlockBytes) + " bytes");
  }
  block_ += std::string(line) + "\n";
  return state_;
}

}  // namespace certacl::fw
