#pragma once
// Where the CA key's passphrase comes from: --passphrase-file (or $CERTACL_PASSPHRASE_FILE),
// else a prompt on the controlling terminal when there is one. Scripts without a terminal
// get the clear error instead of a hang.

#include <optional>
#include <string>

namespace certacl::ca {

// nullopt when the key is not encrypted and no file was given. Throws CaError(kKey) when the
// key is encrypted and neither a file nor a terminal gives a passphrase.
[[nodiscard]] std::optional<std::string> obtain_passphrase(
    const std::optional<std::string>& passphrase_file, bool key_encrypted,
    const std::string& key_path);

// Reads one line from /dev/tty with echo off; nullopt when there is no terminal.
[[nodiscard]] std::optional<std::string> prompt_on_terminal(const std::string& prompt);

}  // namespace certacl::ca
