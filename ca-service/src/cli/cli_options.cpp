#include <fmt/format.h>

#include "ca_error.h"
#include "cli/cli.h"
#include "json_output.h"
#include "postgres_registry.h"
#include "revocation.h"

namespace certacl::ca::cli {

std::unique_ptr<store::PostgresStore> postgres_registry(const GlobalOptions& global) {
  if (!store::is_postgres_url(global.db_path)) return nullptr;
  return open_postgres_registry(global.db_path, global.db_password_file);
}

void add_passphrase_option(CLI::App& command, std::optional<std::string>& target) {
  command
      .add_option("--passphrase-file", target,
                  "File whose first line is the CA key passphrase (PKCS#8, AES-256)")
      ->envname("CERTACL_PASSPHRASE_FILE");
}

void add_validity_options(CLI::App& command, int& days, int& backdate_days) {
  command.add_option("--days", days, "Validity in days (1..825)")->capture_default_str();
  command
      .add_option("--backdate-days", backdate_days,
                  "FOR TESTING expiry handling: start validity this many days in the past "
                  "(more than --days gives an already expired certificate)")
      ->capture_default_str();
}

int require_revocation_reason(const std::string& text) {
  const auto reason = parse_revocation_reason(text);
  if (!reason) {
    throw CaError(ExitCode::kBadInput,
                  fmt::format("unknown or unsupported revocation reason '{}' (unspecified, "
                              "keyCompromise, cACompromise, affiliationChanged, superseded, "
                              "cessationOfOperation, privilegeWithdrawn, aACompromise)",
                              text));
  }
  return *reason;
}

void print_certificates_json(const std::vector<CertificateRecord>& records, std::int64_t now) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& record : records) out.push_back(to_json(record, now));
  fmt::print("{}\n", dump_json(out));
}

}  // namespace certacl::ca::cli
