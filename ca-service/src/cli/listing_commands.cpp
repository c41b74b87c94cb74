// cert list, audit: read-only views, human tables or --json arrays.

#include <fmt/format.h>

#include "audit.h"
#include "ca_database.h"
#include "ca_error.h"
#include "cli/cli.h"
#include "json_output.h"
#include "postgres_registry.h"
#include "registry_views.h"
#include "revocation.h"
#include "table.h"

namespace certacl::ca::cli {
namespace {

struct ListOptions {
  std::optional<std::string> device;
  bool json = false;
};

void run_cert_list(const GlobalOptions& global, const ListOptions& options) {
  const auto records = on_registry(
      global, [&](auto& store) { return load_certificate_list(store, options.device); });
  const std::int64_t now = unix_now();
  if (options.json) {
    print_certificates_json(records, now);
    return;
  }
  std::vector<TableRow> rows;
  for (const auto& record : records) {
    std::string status = certificate_status(record, now);
    if (record.revocation_reason) {
      status += fmt::format(" ({})", revocation_reason_name(*record.revocation_reason));
    }
    rows.push_back({record.serial, std::string(to_string(record.kind)),
                    record.device.value_or(record.subject), format_utc(record.not_before),
                    format_utc(record.not_after), status});
  }
  fmt::print("{}", render_table({"SERIAL", "KIND", "IDENTITY", "NOT_BEFORE", "NOT_AFTER", "STATUS"},
                                rows));
}

std::vector<AuditEntry> read_audit(const GlobalOptions& global, const ListOptions& options) {
  return on_registry(global, [&](auto& store) { return load_audit(store, options.device); });
}

void run_audit(const GlobalOptions& global, const ListOptions& options) {
  const auto entries = read_audit(global, options);
  if (options.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& entry : entries) out.push_back(to_json(entry));
    fmt::print("{}\n", dump_json(out));
    return;
  }
  std::vector<TableRow> rows;
  for (const auto& entry : entries) {
    rows.push_back({std::to_string(entry.id), format_utc(entry.at), entry.actor, entry.action,
                    entry.device ? display_name(*entry.device) : "-", entry.serial.value_or("-"),
                    entry.detail});
  }
  fmt::print("{}",
             render_table({"ID", "AT", "ACTOR", "ACTION", "DEVICE", "SERIAL", "DETAIL"}, rows));
}

}  // namespace

void add_listing_commands(CLI::App& app, const std::shared_ptr<GlobalOptions>& global) {
  CLI::App* cert = app.add_subcommand("cert", "Issued certificates");

  auto list_options = std::make_shared<ListOptions>();
  CLI::App* list = cert->add_subcommand("list", "Serial, identity, validity and status");
  list->add_option("--device", list_options->device, "Only this device's certificates");
  list->add_flag("--json", list_options->json, "JSON array output");
  list->callback([global, list_options] { run_cert_list(*global, *list_options); });

  auto audit_options = std::make_shared<ListOptions>();
  CLI::App* audit = app.add_subcommand("audit", "The append-only log of every change");
  audit->add_option("--device", audit_options->device, "Only entries about this device");
  audit->add_flag("--json", audit_options->json, "JSON array output");
  audit->callback([global, audit_options] { run_audit(*global, *audit_options); });
}

}  // namespace certacl::ca::cli
