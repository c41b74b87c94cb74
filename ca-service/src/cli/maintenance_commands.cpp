// backup | restore | migrate | migrate-store | ca set-key-path | cert expiring: running a
// registry over years. The use cases live in registry_backup.h, schema_upgrade.h, ca_key_location.h
// and certificate_expiry.h.

#include <fmt/format.h>

#include "ca_database.h"
#include "ca_error.h"
#include "ca_key_location.h"
#include "certificate_expiry.h"
#include "cli/cli.h"
#include "duration.h"
#include "json_output.h"
#include "registry_backup.h"
#include "registry_views.h"
#include "schema_upgrade.h"
#include "store_migration.h"
#include "table.h"

namespace certacl::ca::cli {
namespace {

void add_backup_commands(CLI::App& app, const std::shared_ptr<GlobalOptions>& global) {
  auto out = std::make_shared<std::string>();
  CLI::App* backup = app.add_subcommand(
      "backup", "Copy the registry to a new file (consistent while the broker and CA run)");
  backup->add_option("--out", *out, "Backup file to create (never overwritten)")->required();
  backup->callback([global, out] {
    const BackupSummary summary = backup_registry(global->db_path, *out);
    fmt::print("backup '{}' written (change counter {}); the CA key is not in it\n", *out,
               summary.change_counter);
  });

  struct RestoreOptions {
    std::string from;
    bool force = false;
  };
  auto options = std::make_shared<RestoreOptions>();
  CLI::App* restore = app.add_subcommand(
      "restore", "Replace the registry with a backup (then restart or SIGHUP the broker)");
  restore->add_option("--from", options->from, "Backup file made by 'certacl-ca backup'")
      ->required();
  restore->add_flag("--force", options->force,
                    "Restore even a backup older than the registry (its later changes are lost)");
  restore->callback([global, options] {
    const RestoreSummary summary = restore_registry(global->db_path, options->from, options->force);
    fmt::print(
        "registry '{}' restored from '{}' (backup counter {}, was {}, now {}); restart "
        "mosquitto so its TLS CRL matches, and run 'certacl-ca crl'\n",
        global->db_path, options->from, summary.backup_counter, summary.previous_counter,
        summary.counter);
  });
}

void add_migrate_command(CLI::App& app, const std::shared_ptr<GlobalOptions>& global) {
  CLI::App* migrate = app.add_subcommand(
      "migrate", "Upgrade the registry's schema to this version (CA first, then brokers)");
  migrate->callback([global] {
    const SchemaUpgrade upgrade = migrate_registry(global->db_path);
    if (upgrade.changed()) {
      fmt::print("registry '{}' migrated from schema {} to {}\n", global->db_path, upgrade.from,
                 upgrade.to);
    } else {
      fmt::print("registry '{}' already has schema {}\n", global->db_path, upgrade.to);
    }
  });
}

void add_key_path_command(CLI::App& app, const std::shared_ptr<GlobalOptions>& global) {
  CLI::App* ca = app.add_subcommand("ca", "The CA's own settings");
  struct KeyPathOptions {
    std::string path;
    std::optional<std::string> passphrase_file;
  };
  auto options = std::make_shared<KeyPathOptions>();
  CLI::App* set_key_path = ca->add_subcommand(
      "set-key-path", "Record where the CA key now lives (checked against the CA certificate)");
  set_key_path->add_option("path", options->path, "CA key file")->required();
  add_passphrase_option(*set_key_path, options->passphrase_file);
  set_key_path->callback([global, options] {
    SqliteDatabase db = open_database(global->db_path);
    const std::string recorded = set_ca_key_path(db, options->path, options->passphrase_file);
    fmt::print("CA key path set to '{}'\n", recorded);
  });
}

void add_expiring_command(CLI::App& app, const std::shared_ptr<GlobalOptions>& global) {
  struct ExpiringOptions {
    std::string within = "30d";
    bool json = false;
  };
  auto options = std::make_shared<ExpiringOptions>();
  CLI::App* expiring = app.get_subcommand("cert")->add_subcommand(
      "expiring", "Valid, unrevoked certificates that expire soon (soonest first)");
  expiring->add_option("--within", options->within, "Window: Nd, Nh or Nm (1m to 3650d)")
      ->capture_default_str();
  expiring->add_flag("--json", options->json, "JSON array output");
  expiring->callback([global, options] {
    const std::int64_t window =
        require_duration_seconds("--within", options->within, 60, kMaxExpiryWindowSeconds);
    const std::int64_t now = unix_now();
    const auto records = select_expiring(
        on_registry(*global,
                    [](auto& store) { return load_certificate_list(store, std::nullopt); }),
        now, window);
    if (options->json) {
      print_certificates_json(records, now);
      return;
    }
    std::vector<TableRow> rows;
    for (const auto& record : records) {
      rows.push_back({record.serial, std::string(to_string(record.kind)),
                      record.device.value_or(record.subject), format_utc(record.not_after),
                      fmt::format("{:.1f}", static_cast<double>(record.not_after - now) / 86400)});
    }
    fmt::print("{}", render_table({"SERIAL", "KIND", "IDENTITY", "NOT_AFTER", "DAYS_LEFT"}, rows));
  });
}

void add_migrate_store_command(CLI::App& app, const std::shared_ptr<GlobalOptions>& global) {
  struct MigrateStoreOptions {
    std::string from;
    std::string to;
    std::optional<std::string> password_file;
  };
  auto options = std::make_shared<MigrateStoreOptions>();
  CLI::App* command = app.add_subcommand(
      "migrate-store",
      "Copy a SQLite registry into an empty PostgreSQL one in one transaction, verified by row "
      "counts and SHA-256 checksums before COMMIT");
  command->add_option("--from", options->from, "Source: sqlite:PATH")->required();
  command
      ->add_option("--to", options->to,
                   "Target: postgresql://OWNER@HOST/DB, as the login that owns the certacl "
                   "schema (applied first when missing)")
      ->required();
  command->add_option("--to-password-file", options->password_file,
                      "File holding the target login's password (mode 0600); default "
                      "--db-password-file, else PGPASSFILE or ~/.pgpass");
  command->callback([global, options] {
    const std::optional<std::string> password_file =
        options->password_file ? options->password_file : global->db_password_file;
    const StoreMigration migration = migrate_store(options->from, options->to, password_file);
    std::vector<TableRow> rows;
    for (const CopiedTable& table : migration.tables) {
      rows.push_back({table.name, std::to_string(table.rows), table.sha256});
    }
    fmt::print("copied {} into {}, verified before COMMIT (rows and SHA-256 match the source):\n{}",
               options->from, options->to, render_table({"TABLE", "ROWS", "SHA256"}, rows));
    fmt::print("change counter: source {}, PostgreSQL {}\n", migration.source_counter,
               migration.target_counter);
  });
}

}  // namespace

void add_maintenance_commands(CLI::App& app, const std::shared_ptr<GlobalOptions>& global) {
  add_backup_commands(app, global);
  add_migrate_command(app, global);
  add_key_path_command(app, global);
  add_expiring_command(app, global);
  add_migrate_store_command(app, global);
}

}  // namespace certacl::ca::cli
