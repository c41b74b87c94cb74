#pragma once
// CLI11 wiring of certacl-ca: one function per command group registers its subcommands.
// Commands throw CaError; main turns it into one stderr line and the exit code.

#include <CLI/CLI.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ca_database.h"
#include "certacl/registry.h"
#include "certacl/store/postgres_store.h"

namespace certacl::ca::cli {

// Options every command shares, filled before any command callback runs.
struct GlobalOptions {
  std::string db_path;                          // a SQLite file, or a postgresql:// URL
  std::optional<std::string> db_password_file;  // for a postgresql:// URL
};

// The PostgreSQL registry when --db is a postgresql:// URL (connected, schema checked),
// else nullptr: the command then uses the SQLite file.
[[nodiscard]] std::unique_ptr<store::PostgresStore> postgres_registry(const GlobalOptions& global);

// Runs `use` (a generic lambda) on the registry --db names: the PostgreSQL store, or the
// SQLite file opened for writing. Use cases own their transactions on either.
template <typename Use>
auto on_registry(const GlobalOptions& global, Use use) {
  if (auto registry = postgres_registry(global)) return use(*registry);
  SqliteDatabase db = open_database(global.db_path);
  return use(db);
}

void add_ca_commands(CLI::App& app, const std::shared_ptr<GlobalOptions>& global);
void add_device_commands(CLI::App& app, const std::shared_ptr<GlobalOptions>& global);
void add_role_commands(CLI::App& app, const std::shared_ptr<GlobalOptions>& global);
void add_issue_commands(CLI::App& app, const std::shared_ptr<GlobalOptions>& global);
void add_revocation_commands(CLI::App& app, const std::shared_ptr<GlobalOptions>& global);
void add_listing_commands(CLI::App& app, const std::shared_ptr<GlobalOptions>& global);
// device token / token-revoke (after add_device_commands) and serve: EST enrollment.
void add_token_commands(CLI::App& app, const std::shared_ptr<GlobalOptions>& global);
void add_serve_command(CLI::App& app, const std::shared_ptr<GlobalOptions>& global);
// device remove|set-role, role remove, role rule remove (into the existing groups).
void add_registry_edit_commands(CLI::App& app, const std::shared_ptr<GlobalOptions>& global);
// backup, restore, migrate, ca set-key-path, cert expiring.
void add_maintenance_commands(CLI::App& app, const std::shared_ptr<GlobalOptions>& global);

// --passphrase-file, also read from $CERTACL_PASSPHRASE_FILE.
void add_passphrase_option(CLI::App& command, std::optional<std::string>& target);
// An RFC 5280 reason name or number; throws CaError(kBadInput) listing the accepted names.
[[nodiscard]] int require_revocation_reason(const std::string& text);
// Prints certificates as the JSON array `cert list --json` documents.
void print_certificates_json(const std::vector<CertificateRecord>& records, std::int64_t now);
// --days and the testing-only --backdate-days.
void add_validity_options(CLI::App& command, int& days, int& backdate_days);

}  // namespace certacl::ca::cli
