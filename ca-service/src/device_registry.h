#pragma once
// Writes to the registry of devices allowed to hold certificates. Each call runs inside
// the caller's write transaction and appends its audit row there.

#include <optional>
#include <string>

#include "certacl/registry.h"
#include "certacl/sqlite.h"

namespace certacl::ca {

struct NewDevice {
  std::string name;
  std::string role;
  std::optional<std::string> san_dns;
  std::optional<std::string> san_uri;
};

// The name and SAN checks before any store is asked. Throws CaError(kBadInput).
void check_new_device(const NewDevice& device);
// The device a certificate may be issued to, as found; throws CaError: kNotFound (none),
// kConflict (disabled).
[[nodiscard]] Device require_issuable(std::optional<Device> device, const std::string& name);

// Throws CaError: kBadInput (bad name or SAN), kNotFound (role), kConflict (duplicate).
void add_device(SqliteDatabase& db, const NewDevice& device);
// Throws CaError(kNotFound) for an unknown device. Returns false when nothing changed.
bool set_device_enabled(SqliteDatabase& db, const std::string& name, bool enabled);

// The device, enabled or not; throws CaError(kNotFound) "unknown device '<name>'".
[[nodiscard]] Device require_known_device(SqliteDatabase& db, const std::string& name);
// Throws CaError: kNotFound when unknown, kConflict when disabled (unless allowed).
[[nodiscard]] Device require_device(SqliteDatabase& db, const std::string& name);

}  // namespace certacl::ca
