#pragma once
// A CA, database and registry built in-process for unit tests, plus CSR makers that
// produce the good and the hostile requests the policy must tell apart.

#include <string>
#include <vector>

#include "ca_database.h"
#include "certacl_test/files.h"
#include "certificate_authority.h"
#include "key_file.h"

namespace certacl::ca::test {

// Subject entries as (field, value), e.g. {{"CN", "dev1"}, {"O", "x"}}.
using SubjectFields = std::vector<std::pair<std::string, std::string>>;

// PEM CSR for `subject`, carrying `key`'s public key, signed by `signer` (normally `key`).
[[nodiscard]] std::string make_csr_pem(const SubjectFields& subject, EVP_PKEY* key,
                                       EVP_PKEY* signer = nullptr,
                                       bool request_ca_extension = false);
[[nodiscard]] EvpPkeyPtr make_rsa_key(int bits);

// A fresh database with a CA (EC P-256), role "sensor" and enabled device "dev1".
class CaWorld {
 public:
  CaWorld();
  [[nodiscard]] SqliteDatabase& db() noexcept { return db_; }
  [[nodiscard]] const CertificateAuthority& authority() const noexcept { return authority_; }
  [[nodiscard]] const certacl::test::TempDir& dir() const noexcept { return dir_; }
  [[nodiscard]] std::int64_t count(const std::string& table);

 private:
  certacl::test::TempDir dir_;
  SqliteDatabase db_;
  CertificateAuthority authority_;
};

}  // namespace certacl::ca::test
