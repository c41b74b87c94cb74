#pragma once
// certacl-ca's use cases on a PostgreSQL registry (--db postgresql://…), with the same
// checks, messages and exit codes as their SQLite versions (role_registry.h,
// device_registry.h, device_issuance.h, revocation.h). Each write goes through PostgresStore,
// which owns its transaction and writes the audit row in it. The checks that name the
// problem read the registry first; a write that loses a race to another CA process is still
// refused by the database's constraints (StoreRefusal, turned into the same exit code by
// main.cpp).

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit.h"
#include "ca_database.h"
#include "certacl/store/postgres_connection.h"
#include "certacl/store/postgres_store.h"
#include "certificate_authority.h"
#include "device_issuance.h"
#include "device_registry.h"

namespace certacl::ca {

// Connects to `url` and checks the schema; the password comes from `password_file`
// (--db-password-file, $CERTACL_DB_PASSWORD_FILE), else from PGPASSFILE or ~/.pgpass.
[[nodiscard]] std::unique_ptr<store::PostgresStore> open_postgres_registry(
    const std::string& url, const std::optional<std::string>& password_file);

[[nodiscard]] std::optional<CaRecord> find_ca(store::PostgresStore& store);
[[nodiscard]] std::optional<Device> find_device(store::PostgresStore& store,
                                                const std::string& name);
[[nodiscard]] std::optional<CertificateRecord> find_certificate(store::PostgresStore& store,
                                                                const std::string& serial);
// The columns certificates_from reads, in its order, for a SELECT of certacl.certificates.
extern const std::string_view kCertificateColumns;
[[nodiscard]] std::vector<CertificateRecord> certificates_from(const store::PostgresResult& rows);
// Throws CaError(kNotFound) when the registry has no CA yet.
[[nodiscard]] CaRecord require_ca(store::PostgresStore& store);
// Writes the CA row and its audit row ("init", as on SQLite). Throws CaError(kConflict) when
// the registry has a CA already.
void insert_ca(store::PostgresStore& store, const CaRecord& record, const std::string& ca_serial,
               const std::string& detail);

void add_role(store::PostgresStore& store, const std::string& role,
              RoleClientIdRule client_id_rule);
void add_rule(store::PostgresStore& store, const RoleRule& rule);
void add_device(store::PostgresStore& store, const NewDevice& device);
// Returns false (and writes nothing) when the device is in that state already.
bool set_device_enabled(store::PostgresStore& store, const std::string& name, bool enabled);

// The CA certificate from the registry, its key from the file the CA row names.
[[nodiscard]] CertificateAuthority load_authority(
    store::PostgresStore& store, const std::optional<std::string>& passphrase_file);
// Checks the key (strength, not revoked for keyCompromise), then draws an unused serial,
// signs `order` and records it with `audit`. The first runs inside the caller's
// PostgresStore::in_write_transaction; the second owns one (SERIALIZABLE, writer lock).
[[nodiscard]] X509Ptr issue_certificate_in_transaction(store::PostgresStore& store,
                                                       const CertificateAuthority& authority,
                                                       CertificateOrder order, CertificateKind kind,
                                                       const std::optional<std::string>& device,
                                                       const store::AuditDraft& audit);
[[nodiscard]] X509Ptr issue_certificate(store::PostgresStore& store,
                                        const CertificateAuthority& authority,
                                        const CertificateOrder& order, CertificateKind kind,
                                        const std::optional<std::string>& device,
                                        const store::AuditDraft& audit);
// As device_issuance.h's issue_in_transaction: the device must be registered and enabled,
// then the certificate and its audit row, inside the caller's in_write_transaction.
[[nodiscard]] IssuedCertificate issue_in_transaction(store::PostgresStore& store,
                                                     const CertificateAuthority& authority,
                                                     const AcceptedCsr& csr,
                                                     const Validity& validity, IssueAction action,
                                                     const std::string& audit_detail);
// Returns after COMMIT (SERIALIZABLE, serial drawn and checked inside); the caller writes
// the output file.
[[nodiscard]] IssuedCertificate issue_device_certificate(store::PostgresStore& store,
                                                         const CertificateAuthority& authority,
                                                         const DeviceIssueRequest& request);

// As device_removal.h and role_editing.h: one audit row for the removal (SQLite adds one
// per revoked certificate before it).
std::vector<std::string> remove_device(store::PostgresStore& store, const std::string& name,
                                       int reason);
bool set_role_client_id_rule(store::PostgresStore& store, const std::string& role,
                             RoleClientIdRule rule);

void revoke_serial(store::PostgresStore& store, const std::string& serial, int reason);
// All of the device's unrevoked certificates in one transaction; one audit row for the
// device (SQLite writes one per certificate).
std::vector<std::string> revoke_device(store::PostgresStore& store, const std::string& device,
                                       int reason);

[[nodiscard]] std::string build_crl_pem(store::PostgresStore& store,
                                        const CertificateAuthority& authority, int days);
[[nodiscard]] std::vector<AuditEntry> load_audit(store::PostgresStore& store,
                                                 const std::optional<std::string>& device);

}  // namespace certacl::ca
