// device token NAME [--ttl 24h] and device token-revoke NAME: one-time EST enrollment
// secrets. The token is printed once on stdout and never again.

#include <fmt/format.h>

#include "ca_database.h"
#include "cli/cli.h"
#include "duration.h"
#include "enrollment_token.h"
#include "postgres_enrollment.h"
#include "table.h"

namespace certacl::ca::cli {
namespace {

struct TokenOptions {
  std::string name;
  std::string ttl = "24h";
};

void run_token_create(const GlobalOptions& global, const TokenOptions& options) {
  const std::int64_t ttl = require_duration_seconds("--ttl", options.ttl, 1, kMaxTokenTtlSeconds);
  const NewEnrollmentToken created = on_registry(
      global, [&](auto& store) { return create_enrollment_token(store, options.name, ttl); });
  fmt::print("token={}\nexpires={}\n", created.token, format_utc(created.expires_at));
}

void run_token_revoke(const GlobalOptions& global, const std::string& name) {
  const int revoked =
      on_registry(global, [&](auto& store) { return revoke_enrollment_tokens(store, name); });
  fmt::print("revoked={}\n", revoked);
}

}  // namespace

void add_token_commands(CLI::App& app, const std::shared_ptr<GlobalOptions>& global) {
  CLI::App* device = app.get_subcommand("device");

  auto create = std::make_shared<TokenOptions>();
  CLI::App* token = device->add_subcommand(
      "token",
      "Make a one-time EST enrollment token for a registered device (printed once; "
      "replaces any unused one)");
  token->add_option("name", create->name, "Registered device name")->required();
  token->add_option("--ttl", create->ttl, "How long the token stays valid (e.g. 15m, 24h, 7d)")
      ->capture_default_str();
  token->callback([global, create] { run_token_create(*global, *create); });

  auto revoke_name = std::make_shared<std::string>();
  CLI::App* revoke =
      device->add_subcommand("token-revoke", "Revoke every unused enrollment token of a device");
  revoke->add_option("name", *revoke_name, "Registered device name")->required();
  revoke->callback([global, revoke_name] { run_token_revoke(*global, *revoke_name); });
}

}  // namespace certacl::ca::cli
