#pragma once
// `ca set-key-path`: tells the registry where the CA key lives now (a restored copy on
// another host, a key moved to an HSM-backed mount), audited like every other change.

#include <optional>
#include <string>

#include "certacl/sqlite.h"

namespace certacl::ca {

// Checks that the key at `key_path` loads and belongs to the CA certificate, then records
// its absolute path. Returns the recorded path. Throws CaError: kNotFound (no CA), kKey
// (unreadable, wrong passphrase, another key).
std::string set_ca_key_path(SqliteDatabase& db, const std::string& key_path,
                            const std::optional<std::string>& passphrase_file);

}  // namespace certacl::ca
