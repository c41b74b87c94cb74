#pragma once
// The CA's side of a PostgreSQL registry: each use case is one function that owns its
// transaction and writes its audit row in it, so the registry and the audit log never
// disagree. Connects as a member of certacl_ca. Times are the server's clock (Unix
// seconds), one clock for every CA host.

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "certacl/registry.h"
#include "certacl/store/postgres_connection.h"

namespace certacl::store {

// A refusal the caller reports to its user (exit code per docs/CA.md), not a database fault.
class StoreRefusal : public std::runtime_error {
 public:
  enum class Kind { kNotFound, kAlreadyExists, kExhausted };
  StoreRefusal(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  [[nodiscard]] Kind kind() const noexcept { return kind_; }

 private:
  Kind kind_;
};

struct CaRow {
  std::string name;
  std::string certificate_pem;
  std::string key_path;
  bool key_encrypted = false;
};

struct AuditDraft {
  std::string actor;
  std::string action;
  std::optional<std::string> device;
  std::optional<std::string> serial;
  std::string detail;
};

struct AuditRow {
  std::int64_t id = 0;
  std::int64_t at = 0;
  AuditDraft entry;
};

// What the signer hands back for a serial: the row (serial must be the one given) and PEM.
struct SignedCertificate {
  CertificateRecord record;
  std::string certificate_pem;
  std::optional<std::string> public_key_sha256;  // of the SubjectPublicKeyInfo
};
// Draws a candidate serial (random in production).
using SerialDraw = std::function<std::string()>;
// Signs a certificate carrying `serial`. Called again, with a new serial, when the
// transaction is retried, so it must have no side effects outside its return value.
using CertificateSigner = std::function<SignedCertificate(const std::string& serial)>;

class PostgresStore {
 public:
  // Connects and checks the schema version; throws PostgresError.
  explicit PostgresStore(const PostgresSettings& settings);

  // Each throws StoreRefusal (duplicate, unknown name) or PostgresError; on any throw the
  // database is unchanged.
  void init_ca(const CaRow& ca, const std::string& actor);
  // The same with the caller's audit row (certacl-ca records the CA's serial and key type).
  void init_ca(const CaRow& ca, const AuditDraft& audit);
  void add_role(const std::string& role, const std::string& actor,
                RoleClientIdRule client_id_rule = RoleClientIdRule::kExact);
  void add_rule(const RoleRule& rule, const std::string& actor);
  void add_device(const Device& device, const std::string& actor);
  void set_device_enabled(const std::string& device, bool enabled, const std::string& actor);
  // Draws an unused serial, signs and records the certificate and its audit row in one
  // SERIALIZABLE transaction. CA writers queue on an explicit lock (at most 15 s) taken
  // before the snapshot, so they do not conflict with each other; a conflict that remains
  // (40001, or the serial inserted first by a writer outside the lock) retries the whole
  // transaction, a bounded number of times. Returns the committed serial.
  std::string issue_certificate(const SerialDraw& draw, const CertificateSigner& sign,
                                const AuditDraft& audit);
  // One CA use case of several statements (EST enrollment: token, certificate, token use):
  // runs `body` in one SERIALIZABLE transaction behind the writer lock, retried as
  // issue_certificate is (so `body` must have no effect outside the database and what it
  // assigns), and commits when it returns. Anything else `body` throws rolls back and
  // propagates; integrity errors become StoreRefusal naming `what`.
  void in_write_transaction(const std::string& what, const std::function<void()>& body);
  // Inside in_write_transaction only: draws an unused serial, signs and records the
  // certificate and its audit row. Returns the serial.
  std::string record_certificate(const SerialDraw& draw, const CertificateSigner& sign,
                                 const AuditDraft& audit);
  // Revokes every unrevoked certificate of the device; returns their serials (empty when
  // none was valid). Throws StoreRefusal(kNotFound) for an unknown device.
  std::vector<std::string> revoke_device(const std::string& device, int reason,
                                         const std::string& actor);
  // `device remove`: revokes the device's unrevoked certificates with `reason`, deletes its EST
  // tokens and its row, in one transaction with one audit row ("device-remove"). Returns the
  // revoked serials. Throws StoreRefusal(kNotFound) for an unknown device.
  std::vector<std::string> remove_device(const std::string& device, int reason,
                                         const std::string& actor);
  // Sets a role's client-id rule; writes `audit` with it. Throws StoreRefusal(kNotFound) for
  // an unknown role.
  void set_role_client_id_rule(const std::string& role, RoleClientIdRule rule,
                               const AuditDraft& audit);
  // Revokes one certificate and writes `audit` with it. Throws StoreRefusal(kAlreadyExists)
  // when no unrevoked certificate has that serial (the caller checked which it is).
  void revoke_serial(const std::string& serial, int reason, const AuditDraft& audit);
  void append_audit(const AuditDraft& entry);
  [[nodiscard]] std::vector<AuditRow> load_audit();

  [[nodiscard]] PostgresConnection& connection() noexcept { return connection_; }
  // The URL it connected to (never carries a password), for messages.
  [[nodiscard]] const std::string& url() const noexcept { return url_; }

 private:
  PostgresConnection connection_;
  std::string url_;
};

}  // namespace certacl::store
