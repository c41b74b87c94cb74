#include "ca_key_location.h"

#include <fmt/format.h>

#include <filesystem>

#include "audit.h"
#include "ca_database.h"
#include "ca_error.h"
#include "certacl/certificate_facts.h"
#include "certificate_authority.h"
#include "key_file.h"

namespace certacl::ca {
namespace {

bool key_file_is_encrypted(const std::string& path) {
  try {
    return read_input_file(path, "CA key").find("-----BEGIN ENCRYPTED PRIVATE KEY-----") !=
           std::string::npos;
  } catch (const CaError& error) {
    throw CaError(ExitCode::kKey, error.what());
  }
}

}  // namespace

std::string set_ca_key_path(SqliteDatabase& db, const std::string& key_path,
                            const std::optional<std::string>& passphrase_file) {
  const std::string absolute = std::filesystem::absolute(key_path).lexically_normal().string();
  WriteTransaction transaction(db);
  const CaRecord record = require_ca(db);
  const X509Ptr certificate = parse_certificate_pem(record.certificate_pem);
  if (!certificate) {
    throw CaError(ExitCode::kStorage,
                  fmt::format("the CA certificate stored in '{}' is unreadable", db.path()));
  }
  // The new file's own encryption is recorded, not the old one's: it may be a re-encrypted copy.
  const bool encrypted = key_file_is_encrypted(absolute);
  (void)load_ca_key(certificate.get(), absolute, encrypted, passphrase_file);
  db.prepare("UPDATE ca SET key_path = ?1, key_encrypted = ?2 WHERE id = 1")
      .bind(1, absolute)
      .bind(2, std::int64_t{encrypted ? 1 : 0})
      .run();
  append_audit(db, "ca-set-key-path", std::nullopt, std::nullopt,
               fmt::format("path={} previous={}", absolute, record.key_path));
  transaction.commit();
  return absolute;
}

}  // namespace certacl::ca
