#include "registry_copy.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "certacl/registry.h"
#include "certacl/sqlite.h"
#include "certacl_test/files.h"

namespace certacl::test {
namespace {

SqliteDatabase open_registry(const CaFixture& ca) {
  return SqliteDatabase(ca.db_path(), SqliteDatabase::Access::ReadOnly);
}

}  // namespace

void copy_ca(const CaFixture& ca, store::PostgresStore& writer) {
  writer.init_ca({"certacl test CA", read_file(ca.ca_cert_path()), ca.ca_key_path(), false},
                 "test");
}

void copy_role(const CaFixture& ca, store::PostgresStore& writer, const std::string& role) {
  SqliteDatabase db = open_registry(ca);
  const std::optional<Role> found = find_role(db, role);
  writer.add_role(role, "test", found ? found->client_id_rule : RoleClientIdRule::kExact);
  for (const RoleRule& rule : load_role_rules(db, role)) writer.add_rule(rule, "test");
}

void copy_device(const CaFixture& ca, store::PostgresStore& writer, const std::string& device) {
  SqliteDatabase db = open_registry(ca);
  const std::optional<Device> found = find_device(db, device);
  if (!found) throw std::runtime_error("no device '" + device + "' in the SQLite registry");
  writer.add_device(*found, "test");
}

void copy_certificate(const CaFixture& ca, store::PostgresStore& writer,
                      const IssuedCertificate& certificate) {
  SqliteDatabase db = open_registry(ca);
  const std::optional<CertificateRecord> record = find_certificate(db, certificate.serial);
  if (!record) throw std::runtime_error("no certificate " + certificate.serial + " in SQLite");
  const std::string pem = read_file(certificate.cert_path);
  const std::string serial = writer.issue_certificate(
      [&] { return record->serial; },
      [&](const std::string& /*serial*/) {
        return store::SignedCertificate{*record, pem, std::nullopt};
      },
      {"test", "sign", record->device, record->serial, "copied from the SQLite registry"});
  EXPECT_EQ(serial, certificate.serial);
}

}  // namespace certacl::test
