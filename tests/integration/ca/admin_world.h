#pragma once
// Shared checks for the admin-command tests (device/role edits, backup/restore, migrate,
// key path, expiry): a registry fingerprint that also sees roles, rule ids and the key path,
// and the refusal check every bad input must pass.

#include <string>
#include <vector>

#include "certacl_test/ca_fixture.h"

namespace certacl::ca::test {

// database_state() plus device roles, rule ids, the CA key path and the last audit row:
// equal before and after means the command changed nothing.
[[nodiscard]] std::string registry_fingerprint(const std::string& db_path);

// Runs `certacl-ca --db <db> args...` and checks the refusal: exit code, exactly one stderr
// line containing `cause`, registry unchanged.
void expect_admin_refusal(const std::string& db_path, const std::vector<std::string>& args,
                          int exit_code, const std::string& cause);

// `certacl-ca --db <db> args...` without asserting.
certacl::test::CommandResult run_ca(const std::string& db_path,
                                    const std::vector<std::string>& args);

// tests/integration/ca/data/<name>
[[nodiscard]] std::string test_data(const std::string& name);

}  // namespace certacl::ca::test
