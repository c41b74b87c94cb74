// serve: the EST server (docs/EST.md). Only option parsing here; est/ does the work, in
// the certacl-ca-est executable (see serve_launch.h).

#include <fmt/format.h>

#include "ca_error.h"
#include "cli/cli.h"
#include "cli/serve_launch.h"
#include "device_issuance.h"
#include "duration.h"

namespace certacl::ca::cli {
namespace {

struct ServeArguments {
  est::ServeOptions options;
  std::optional<std::string> passphrase_file;
  std::string lifetime = "365d";
  std::string supersede_after = "7d";
  std::string db_wait = "5s";
  std::string timeout = "5s";
};

void run_serve(const GlobalOptions& global, ServeArguments& arguments) {
  est::ServeOptions options = arguments.options;
  options.db_path = global.db_path;
  options.db_password_file = global.db_password_file;
  options.passphrase_file = arguments.passphrase_file;
  options.policy.lifetime_seconds = require_duration_seconds("--lifetime", arguments.lifetime, 60,
                                                             std::int64_t{kMaxLeafDays} * 86400);
  options.policy.supersede_after_seconds =
      require_duration_seconds("--supersede-after", arguments.supersede_after, 1, 825LL * 86400);
  options.policy.db_wait =
      std::chrono::seconds(require_duration_seconds("--db-wait", arguments.db_wait, 1, 300));
  const auto timeout =
      std::chrono::seconds(require_duration_seconds("--timeout", arguments.timeout, 1, 300));
  options.read_timeout = timeout;
  options.write_timeout = timeout;
  if (options.workers < 1 || options.workers > 256) {
    throw CaError(ExitCode::kBadInput, "--workers must be between 1 and 256");
  }
  if (options.max_body_bytes < 256 || options.max_body_bytes > 1024 * 1024) {
    throw CaError(ExitCode::kBadInput, "--max-body must be between 256 and 1048576 bytes");
  }
  launch_est_server(options);
}

}  // namespace

void add_serve_command(CLI::App& app, const std::shared_ptr<GlobalOptions>& global) {
  auto arguments = std::make_shared<ServeArguments>();
  est::ServeOptions& options = arguments->options;
  CLI::App* command = app.add_subcommand(
      "serve", "Run the EST server (RFC 7030): devices enroll with a token and renew over HTTPS");
  command->add_option("--listen", options.listen_address, "Address to listen on")
      ->capture_default_str();
  command->add_option("--port", options.port, "TCP port")->capture_default_str();
  command
      ->add_option("--cert", options.certificate_path,
                   "Server certificate (PEM, from 'certacl-ca server-cert'; chain may follow)")
      ->required();
  command->add_option("--key", options.key_path, "Server private key (PEM)")->required();
  add_passphrase_option(*command, arguments->passphrase_file);
  command
      ->add_option("--lifetime", arguments->lifetime,
                   "Validity of issued certificates (e.g. 365d; down to 1m for tests)")
      ->capture_default_str();
  command
      ->add_option("--supersede-after", arguments->supersede_after,
                   "After a renewal, revoke the replaced certificate as 'superseded' this "
                   "much later")
      ->capture_default_str();
  command
      ->add_option(
          "--workers", options.workers,
          "Worker threads (each holds one connection; a commit batch is at most this large)")
      ->capture_default_str();
  command->add_option("--max-body", options.max_body_bytes, "Largest request body in bytes")
      ->capture_default_str();
  command
      ->add_option("--timeout", arguments->timeout,
                   "Read/write timeout per socket operation, TLS handshake included")
      ->capture_default_str();
  command
      ->add_option("--db-wait", arguments->db_wait,
                   "Longest wait for the database lock before answering 503")
      ->capture_default_str();
  command
      ->add_option("--max-pending", options.policy.max_pending,
                   "Issuance requests waiting at once before answering 503")
      ->capture_default_str();
  command
      ->add_option("--device-rate", options.policy.device_per_minute,
                   "Requests per minute per device (0: no limit)")
      ->capture_default_str();
  command->add_option("--device-burst", options.policy.device_burst, "Burst per device")
      ->capture_default_str();
  command
      ->add_option("--address-rate", options.policy.address_per_minute,
                   "Requests per minute per client address (0: no limit)")
      ->capture_default_str();
  command->add_option("--address-burst", options.policy.address_burst, "Burst per address")
      ->capture_default_str();
  command
      ->add_option("--retry-after", options.policy.retry_after_seconds,
                   "Seconds sent in Retry-After when busy")
      ->capture_default_str();
  command->callback([global, arguments] { run_serve(*global, *arguments); });
}

}  // namespace certacl::ca::cli
