#pragma once
// Helpers for CLI tests: a CaFixture with role "sensor" and device "dev1", CSR files made
// with the openssl CLI, and a fingerprint of the database to prove refusals change nothing.

#include <string>
#include <vector>

#include "certacl_test/ca_fixture.h"

namespace certacl::ca::test {

// change counter, then row counts of every table: equal before and after means unchanged.
[[nodiscard]] std::string database_state(const std::string& db_path);

// `openssl verify` with the given extra arguments; returns the result.
certacl::test::CommandResult openssl(const std::vector<std::string>& args);

// Writes an EC P-256 CSR with openssl req; returns its path.
std::string openssl_csr(const certacl::test::CaFixture& ca, const std::string& label,
                        const std::string& subject,
                        const std::vector<std::string>& key_args = {"-newkey", "ec", "-pkeyopt",
                                                                    "ec_paramgen_curve:P-256"});

// Serials are printed as "serial=<HEX>".
[[nodiscard]] std::string printed_serial(const std::string& out);

// Number of lines in `text` (a refusal must be exactly one line on stderr).
[[nodiscard]] int line_count(const std::string& text);

}  // namespace certacl::ca::test
