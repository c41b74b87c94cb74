#pragma once
// The compact records a registry snapshot keeps: per device, only what a decision reads (its
// name, role, enabled flag, SANs when it has any) and its certificates inline; per
// certificate, its serial, fingerprint, issuer, validity and whether it is revoked. Subjects,
// issue times and revocation reasons stay in the database.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "compact_fields.h"

namespace certacl::policy {

class RegisteredCertificate {
 public:
  RegisteredCertificate() = default;
  RegisteredCertificate(const SerialKey& serial, Sha256Digest sha256, const std::string* issuer,
                        std::int64_t not_before, std::int64_t not_after, bool revoked) noexcept
      : serial_(serial),
        sha256_(sha256),
        issuer_(issuer),
        not_before_(not_before),
        not_after_(not_after),
        revoked_(revoked) {}

  [[nodiscard]] const SerialKey& serial_key() const noexcept { return serial_; }
  // Upper-case hex, as recorded ("" for a recorded serial that could not be packed).
  [[nodiscard]] std::string serial() const { return serial_.text(); }
  [[nodiscard]] bool fingerprint_is(std::string_view sha256_hex) const noexcept {
    return sha256_.matches_hex(sha256_hex);
  }
  [[nodiscard]] std::string_view issuer() const noexcept { return *issuer_; }
  [[nodiscard]] std::int64_t not_before() const noexcept { return not_before_; }
  [[nodiscard]] std::int64_t not_after() const noexcept { return not_after_; }
  [[nodiscard]] bool revoked() const noexcept { return revoked_; }
  void mark_revoked() noexcept { revoked_ = true; }

 private:
  SerialKey serial_;
  Sha256Digest sha256_;
  const std::string* issuer_ = nullptr;  // interned (TextPool)
  std::int64_t not_before_ = 0;
  std::int64_t not_after_ = 0;
  bool revoked_ = false;
};

// A device's certificates, the first one inline: almost every device holds one.
class CertificateList {
 public:
  CertificateList() = default;
  CertificateList(const CertificateList& other)
      : first_(other.first_),
        size_(other.size_),
        all_(other.all_ ? std::make_unique<std::vector<RegisteredCertificate>>(*other.all_)
                        : nullptr) {}
  CertificateList& operator=(const CertificateList& other) {
    if (this != &other) *this = CertificateList(other);
    return *this;
  }
  CertificateList(CertificateList&&) noexcept = default;
  CertificateList& operator=(CertificateList&&) noexcept = default;
  ~CertificateList() = default;

  void push_back(const RegisteredCertificate& certificate) {
    if (all_) {
      all_->push_back(certificate);
    } else if (size_ == 0) {
      first_ = certificate;
      size_ = 1;
    } else {
      all_ = std::make_unique<std::vector<RegisteredCertificate>>();
      all_->reserve(2);
      all_->push_back(first_);
      all_->push_back(certificate);
    }
  }
  [[nodiscard]] std::span<const RegisteredCertificate> view() const noexcept {
    if (all_) return {all_->data(), all_->size()};
    return {&first_, size_};
  }
  [[nodiscard]] RegisteredCertificate* writable(const SerialKey& serial) noexcept {
    if (all_) {
      for (RegisteredCertificate& certificate : *all_) {
        if (certificate.serial_key() == serial) return &certificate;
      }
      return nullptr;
    }
    return size_ == 1 && first_.serial_key() == serial ? &first_ : nullptr;
  }

 private:
  RegisteredCertificate first_;
  std::size_t size_ = 0;  // 0 or 1 while all_ is null
  // Every certificate, the first one included, once there is more than one.
  std::unique_ptr<std::vector<RegisteredCertificate>> all_;
};

// A name the registry knows: a registered device, or only the certificates a removed device
// left behind as history (registered() false), or, under the empty name, certificates
// recorded without a device.
class RegisteredDevice {
 public:
  struct Sans {
    std::optional<std::string> dns;
    std::optional<std::string> uri;
  };

  RegisteredDevice(std::uint64_t hash, std::string name) noexcept
      : hash_(hash), name_(std::move(name)) {}

  [[nodiscard]] std::uint64_t hash() const noexcept { return hash_; }
  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] std::string_view role() const noexcept {
    return role_ ? std::string_view(*role_) : std::string_view();
  }
  [[nodiscard]] bool enabled() const noexcept { return enabled_; }
  [[nodiscard]] bool registered() const noexcept { return registered_; }
  [[nodiscard]] const Sans* sans() const noexcept { return sans_.get(); }
  [[nodiscard]] std::span<const RegisteredCertificate> certificates() const noexcept {
    return certificates_.view();
  }
  [[nodiscard]] const RegisteredCertificate* certificate_with(
      const SerialKey& serial) const noexcept {
    for (const RegisteredCertificate& certificate : certificates()) {
      if (certificate.serial_key() == serial) return &certificate;
    }
    return nullptr;
  }

  void register_as(const std::string* role, bool enabled, std::shared_ptr<const Sans> sans) {
    role_ = role;
    enabled_ = enabled;
    registered_ = true;
    sans_ = std::move(sans);
  }
  void add_certificate(const RegisteredCertificate& certificate) {
    certificates_.push_back(certificate);
  }
  // False when the device holds no certificate with this serial.
  bool revoke_certificate(const SerialKey& serial) noexcept {
    RegisteredCertificate* certificate = certificates_.writable(serial);
    if (certificate == nullptr) return false;
    certificate->mark_revoked();
    return true;
  }

 private:
  std::uint64_t hash_ = 0;
  std::string name_;
  const std::string* role_ = nullptr;  // interned (TextPool)
  std::shared_ptr<const Sans> sans_;   // null for the many devices without one
  CertificateList certificates_;
  bool enabled_ = false;
  bool registered_ = false;
};

}  // namespace certacl::policy
