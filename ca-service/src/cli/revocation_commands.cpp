// revoke SERIAL | revoke --device NAME [--reason R]

#include <fmt/format.h>

#include "ca_database.h"
#include "ca_error.h"
#include "cli/cli.h"
#include "postgres_registry.h"
#include "revocation.h"

namespace certacl::ca::cli {
namespace {

struct RevokeOptions {
  std::optional<std::string> serial;
  std::optional<std::string> device;
  std::string reason = "unspecified";
};

// One line per revoked serial, then for --device a count.
void print_revoked(const std::vector<std::string>& serials, int reason,
                   const std::optional<std::string>& device) {
  for (const auto& serial : serials) {
    fmt::print("revoked {} ({})\n", serial, revocation_reason_name(reason));
  }
  if (device) fmt::print("revoked {} certificate(s) of device '{}'\n", serials.size(), *device);
}

void run_revoke(const GlobalOptions& global, const RevokeOptions& options) {
  if (options.serial.has_value() == options.device.has_value()) {
    throw CaError(ExitCode::kUsage, "give either a SERIAL or --device NAME");
  }
  const int reason = require_revocation_reason(options.reason);
  if (auto registry = postgres_registry(global)) {
    if (options.serial) {
      const std::string serial = normalize_serial(*options.serial);
      revoke_serial(*registry, serial, reason);
      print_revoked({serial}, reason, std::nullopt);
    } else {
      print_revoked(revoke_device(*registry, *options.device, reason), reason, options.device);
    }
    return;
  }
  SqliteDatabase db = open_database(global.db_path);
  WriteTransaction transaction(db);
  if (options.serial) {
    const std::string serial = normalize_serial(*options.serial);
    revoke_serial(db, serial, reason);
    transaction.commit();
    print_revoked({serial}, reason, std::nullopt);
    return;
  }
  const auto serials = revoke_device(db, *options.device, reason);
  transaction.commit();
  print_revoked(serials, reason, options.device);
}

}  // namespace

void add_revocation_commands(CLI::App& app, const std::shared_ptr<GlobalOptions>& global) {
  auto options = std::make_shared<RevokeOptions>();
  CLI::App* revoke = app.add_subcommand(
      "revoke", "Revoke one certificate, or every certificate of a device; then run 'crl'");
  revoke->add_option("serial", options->serial, "Serial number (hex)");
  revoke->add_option("--device", options->device, "Revoke all certificates of this device");
  revoke->add_option("--reason", options->reason, "RFC 5280 reason (name or code)")
      ->capture_default_str();
  revoke->callback([global, options] { run_revoke(*global, *options); });
}

}  // namespace certacl::ca::cli
