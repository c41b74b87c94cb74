#pragma once
// One real PostgreSQL with the certacl schema applied by its superuser, and two logins:
// `ca_writer` (member of certacl_ca, password from a password file) and `broker_reader`
// (member of certacl_broker). Plus small builders for registry rows.

#include <string>

#include "certacl/store/postgres_connection.h"
#include "certacl/store/postgres_store.h"
#include "certacl_test/postgres_fixture.h"

namespace certacl::test {

class PostgresWorld {
 public:
  PostgresWorld();

  PostgresServer server;
  store::PostgresSettings admin;   // the superuser, through a PGPASSFILE-format file
  store::PostgresSettings ca;      // ca_writer, through a password file
  store::PostgresSettings broker;  // broker_reader, through a password file

  // Role "sensor" (allow publish sensors/%c/#, allow subscribe cmd/%c), and `count` enabled
  // devices named device-0 … device-<count-1>, each with one certificate.
  void seed(store::PostgresStore& writer, int count) const;
};

// A certificate row for `device` under `serial`: unique subject and digest, PEM text that the
// store keeps as it is (signing is certacl-ca's part, tested there).
[[nodiscard]] store::SignedCertificate certificate_for(const std::string& device,
                                                       const std::string& serial);

// Issues one certificate for `device` with the next serial of a per-process counter.
std::string issue_for(store::PostgresStore& writer, const std::string& device);

}  // namespace certacl::test
