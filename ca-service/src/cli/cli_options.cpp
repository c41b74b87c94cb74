#include "cli/cli.h"

namespace certacl::ca::cli {

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

}  // namespace certacl::ca::cli
