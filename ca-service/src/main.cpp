// certacl-ca: the fleet's private CA and device registry. Exit codes: see ca_error.h.

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <cstdio>
#include <memory>
#include <string_view>

#include "ca_error.h"
#include "certacl/sqlite.h"
#include "certacl/store/postgres_connection.h"
#include "certacl/store/postgres_store.h"
#include "cli/cli.h"

namespace {

constexpr const char* kDefaultDatabase = "/var/lib/certacl/certacl.db";

void print_error(const std::string& message) {
  fmt::print(stderr, "certacl-ca: {}\n", message);
}

// Command groups (device, role, cert) need one of their commands. Checked after parsing
// instead of with require_subcommand, so a misspelt command is reported by name.
std::string missing_command(const CLI::App& app) {
  const CLI::App* current = &app;
  std::string path;
  while (true) {
    const auto selected = current->get_subcommands();
    if (!selected.empty()) {
      current = selected.front();
      path += " " + current->get_name();
      continue;
    }
    if (current->get_subcommands({}).empty()) return {};
    return fmt::format("missing command after 'certacl-ca{}' (see --help)", path);
  }
}

// The commands that do not apply to a PostgreSQL registry, and what to do instead; they say
// so before they touch anything, instead of treating the URL as a file name.
struct NotOnPostgres {
  std::string_view command;
  std::string_view instead;
};
constexpr std::array<NotOnPostgres, 4> kNotOnPostgres = {{
    {" backup",
     "copies a SQLite file; back up PostgreSQL with pg_dump or the server's own backups"},
    {" restore", "replaces a SQLite file; restore PostgreSQL with its own tools"},
    {" migrate",
     "upgrades a SQLite file; a PostgreSQL registry's schema is applied by its administrator "
     "(docs/SCALING.md)"},
    {" ca set-key-path",
     "the certacl_ca login may not rewrite the CA row; its administrator updates "
     "certacl.ca.key_path"},
}};

std::string selected_command(const CLI::App& app) {
  std::string path;
  for (const CLI::App* current = &app;;) {
    const auto selected = current->get_subcommands();
    if (selected.empty()) return path;
    current = selected.front();
    path += " " + current->get_name();
  }
}

void refuse_unsupported_on_postgres(const CLI::App& app, const std::string& database) {
  if (!certacl::store::is_postgres_url(database)) return;
  const std::string command = selected_command(app);
  for (const NotOnPostgres& refused : kNotOnPostgres) {
    if (command == refused.command) {
      throw certacl::ca::CaError(
          certacl::ca::ExitCode::kUsage,
          fmt::format("'certacl-ca{}' does not work on a PostgreSQL registry: it {}", command,
                      refused.instead));
    }
  }
}

// A refusal of the PostgreSQL store, as the exit code docs/CA.md gives its kind.
certacl::ca::ExitCode exit_code_of(const certacl::store::StoreRefusal& refusal) {
  using Kind = certacl::store::StoreRefusal::Kind;
  switch (refusal.kind()) {
    case Kind::kNotFound:
      return certacl::ca::ExitCode::kNotFound;
    case Kind::kAlreadyExists:
      return certacl::ca::ExitCode::kConflict;
    case Kind::kExhausted:
      return certacl::ca::ExitCode::kStorage;
  }
  return certacl::ca::ExitCode::kStorage;
}

}  // namespace

int main(int argc, char** argv) {
  using certacl::ca::ExitCode;
  CLI::App app{"certacl-ca: private CA and device registry for certacl MQTT fleets"};
  app.fallthrough();
  app.set_version_flag("--version", "certacl-ca " CERTACL_VERSION);
  // Every command's help in one text: the man page is generated from it (help2man), so
  // the manual and --help come from the same definitions.
  app.set_help_all_flag("--help-all", "Print the help of every command and exit");
  auto global = std::make_shared<certacl::ca::cli::GlobalOptions>();
  global->db_path = kDefaultDatabase;
  app.add_option("--db", global->db_path,
                 "Database path (default: $CERTACL_DB, else " + std::string(kDefaultDatabase) + ")")
      ->envname("CERTACL_DB");
  app.add_option("--db-password-file", global->db_password_file,
                 "With a postgresql:// --db: file holding the login's password (mode 0600); "
                 "else PGPASSFILE or ~/.pgpass")
      ->envname("CERTACL_DB_PASSWORD_FILE");
  app.parse_complete_callback(
      [&app, global] { refuse_unsupported_on_postgres(app, global->db_path); });
  certacl::ca::cli::add_ca_commands(app, global);
  certacl::ca::cli::add_device_commands(app, global);
  certacl::ca::cli::add_role_commands(app, global);
  certacl::ca::cli::add_issue_commands(app, global);
  certacl::ca::cli::add_revocation_commands(app, global);
  certacl::ca::cli::add_listing_commands(app, global);
  certacl::ca::cli::add_registry_edit_commands(app, global);
  certacl::ca::cli::add_maintenance_commands(app, global);
  certacl::ca::cli::add_token_commands(app, global);
  certacl::ca::cli::add_serve_command(app, global);
  try {
    app.parse(argc, argv);
    if (const std::string missing = missing_command(app); !missing.empty()) {
      print_error(missing);
      return static_cast<int>(ExitCode::kUsage);
    }
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForAllHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForVersion& version) {
    return app.exit(version);
  } catch (const CLI::ParseError& error) {
    print_error(fmt::format("{} (see --help)", error.what()));
    return static_cast<int>(ExitCode::kUsage);
  } catch (const certacl::ca::CaError& error) {
    print_error(error.what());
    return static_cast<int>(error.code());
  } catch (const certacl::store::StoreRefusal& refusal) {
    print_error(refusal.what());
    return static_cast<int>(exit_code_of(refusal));
  } catch (const certacl::store::PostgresError& error) {
    print_error(fmt::format("database error: {}", error.what()));
    return static_cast<int>(ExitCode::kStorage);
  } catch (const certacl::DatabaseError& error) {
    print_error(fmt::format("database error: {}", error.what()));
    return static_cast<int>(ExitCode::kStorage);
  } catch (const std::exception& error) {
    print_error(error.what());
    return static_cast<int>(ExitCode::kStorage);
  }
  return static_cast<int>(ExitCode::kOk);
}
