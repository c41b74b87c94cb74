#pragma once
// Puts what the real certacl-ca wrote into its SQLite registry (the CA certificate, a role
// and its rules, a device, a certificate signed by the real CA) into PostgreSQL, written
// through PostgresStore as certacl_ca. So the brokers in these tests see real certificates
// that mosquitto's TLS layer accepts, registered in PostgreSQL the way the CA's PostgreSQL
// path writes them.

#include <string>

#include "certacl/store/postgres_store.h"
#include "certacl_test/ca_fixture.h"

namespace certacl::test {

void copy_ca(const CaFixture& ca, store::PostgresStore& writer);
void copy_role(const CaFixture& ca, store::PostgresStore& writer, const std::string& role);
void copy_device(const CaFixture& ca, store::PostgresStore& writer, const std::string& device);
void copy_certificate(const CaFixture& ca, store::PostgresStore& writer,
                      const IssuedCertificate& certificate);

}  // namespace certacl::test
