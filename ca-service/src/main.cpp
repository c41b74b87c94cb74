// certacl-ca: the fleet's private CA and device registry. Exit codes: see ca_error.h.

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>

#include "ca_error.h"
#include "certacl/sqlite.h"
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
  } catch (const certacl::DatabaseError& error) {
    print_error(fmt::format("database error: {}", error.what()));
    return static_cast<int>(ExitCode::kStorage);
  } catch (const std::exception& error) {
    print_error(error.what());
    return static_cast<int>(ExitCode::kStorage);
  }
  return static_cast<int>(ExitCode::kOk);
}
