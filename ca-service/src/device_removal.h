#pragma once
// Correcting the device registry: removing a device for good and moving it to another role.
// Each function is one use case and owns its write transaction (audit rows included).

#include <string>
#include <vector>

#include "certacl/sqlite.h"

namespace certacl::ca {

struct RemovedDevice {
  std::vector<std::string> revoked_serials;  // certificates revoked by the removal
};

// Revokes every unrevoked certificate of the device with `reason` (RFC 5280 code), then
// deletes its registry row. Issued certificates and the audit log stay as history.
// Throws CaError(kNotFound) for an unknown device.
RemovedDevice remove_device(SqliteDatabase& db, const std::string& name, int reason);

// Returns false when the device already has that role. Throws CaError(kNotFound) for an
// unknown device or role.
bool set_device_role(SqliteDatabase& db, const std::string& name, const std::string& role);

}  // namespace certacl::ca
