#include "certacl/store/postgres_store.h"

#include <fmt/format.h>

#include <random>
#include <thread>

#include "certacl/store/postgres_schema.h"

namespace certacl::store {
namespace {

using Isolation = PostgresTransaction::Isolation;

constexpr std::string_view kSqlStateForeignKeyViolation = "23503";
// Issuers that conflict retry after a short random pause, so they do not collide again.
constexpr int kMaxAttempts = 12;
// certacl-ca draws 158 random bits: a collision is a broken generator, not bad luck.
constexpr int kMaxSerialDraws = 16;
// As long as certacl-ca waits for another CA process on SQLite (kWriterBusyTimeout).
constexpr std::chrono::seconds kWriterLockTimeout{15};
constexpr std::string_view kServerNow = "extract(epoch FROM statement_timestamp())::bigint";

std::string sql_boolean(bool value) {
  return value ? "true" : "false";
}

void pause_before_retry(int attempt) {
  thread_local std::minstd_rand random{std::random_device{}()};
  const int ceiling_ms = std::min(50, 2 << attempt);
  std::uniform_int_distribution<int> pause_ms(1, ceiling_ms);
  std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(random)));
}

// Runs one transaction attempt until it commits or fails for a reason other than a
// concurrent transaction. `is_retryable` may widen what counts as such a conflict.
template <typename Attempt>
auto with_retry(Attempt&& attempt,
                const std::function<bool(const PostgresError&)>& is_retryable = {}) {
  for (int attempt_number = 1;; ++attempt_number) {
    try {
      return attempt();
    } catch (const PostgresError& error) {
      const bool conflict = error.is_retryable() || (is_retryable && is_retryable(error));
      if (!conflict || attempt_number >= kMaxAttempts) throw;
      pause_before_retry(attempt_number);
    }
  }
}

// Turns integrity errors into the refusal the user should read.
[[noreturn]] void refuse(const PostgresError& error, const std::string& what) {
  if (error.sqlstate() == kSqlStateUniqueViolation) {
    throw StoreRefusal(StoreRefusal::Kind::kAlreadyExists, fmt::format("{} already exists", what));
  }
  if (error.sqlstate() == kSqlStateReadOnlyTransaction) {
    throw PostgresError(
        "the PostgreSQL server accepts no writes (a standby, or default_transaction_read_only); "
        "point the CA at the primary",
        error.sqlstate());
  }
  if (error.sqlstate() == kSqlStateForeignKeyViolation) {
    throw StoreRefusal(StoreRefusal::Kind::kNotFound,
                       fmt::format("{} refers to something that does not exist", what));
  }
  throw error;
}

std::string device_added_detail(const Device& device) {
  std::string detail = fmt::format("role={}", device.role);
  if (device.san_dns) detail += fmt::format(" san_dns={}", *device.san_dns);
  if (device.san_uri) detail += fmt::format(" san_uri={}", *device.san_uri);
  return detail;
}

void insert_audit(PostgresConnection& connection, const AuditDraft& entry) {
  connection.exec(fmt::format("INSERT INTO certacl.audit_log (at, actor, action, device, serial, "
                              "detail) VALUES ({}, $1, $2, $3, $4, $5)",
                              kServerNow),
                  {entry.actor, entry.action, entry.device, entry.serial, entry.detail});
}

// A CA write transaction: BEGIN, a bounded wait for the writer lock (before any snapshot;
// see certacl.writer_lock in 001_initial.sql), then the caller's statements.
class WriteTransaction {
 public:
  WriteTransaction(PostgresConnection& connection, Isolation isolation)
      : transaction_(connection, isolation) {
    connection.exec(fmt::format("SET LOCAL lock_timeout = '{}s'", kWriterLockTimeout.count()));
    connection.exec("LOCK TABLE certacl.writer_lock IN EXCLUSIVE MODE");
  }
  void commit() { transaction_.commit(); }

 private:
  PostgresTransaction transaction_;
};

// One use case: its change and its audit row in one READ COMMITTED transaction, retried on
// deadlock; integrity errors become refusals naming `what`.
template <typename Change>
void write_with_audit(PostgresConnection& connection, const std::string& what,
                      const AuditDraft& audit, Change&& change) {
  try {
    with_retry([&] {
      WriteTransaction transaction(connection, Isolation::kReadCommitted);
      change();
      insert_audit(connection, audit);
      transaction.commit();
    });
  } catch (const PostgresError& error) {
    refuse(error, what);
  }
}

}  // namespace

PostgresStore::PostgresStore(const PostgresSettings& settings)
    : connection_(settings), url_(settings.url) {
  require_current_postgres_schema(connection_);
}

void PostgresStore::init_ca(const CaRow& ca, const std::string& actor) {
  init_ca(ca, AuditDraft{actor, "init", {}, {}, ca.name});
}

void PostgresStore::init_ca(const CaRow& ca, const AuditDraft& audit) {
  write_with_audit(connection_, "a CA in this database", audit, [&] {
    connection_.exec(fmt::format("INSERT INTO certacl.ca (id, name, certificate_pem, key_path, "
                                 "key_encrypted, created_at) VALUES (1, $1, $2, $3, $4, {})",
                                 kServerNow),
                     {ca.name, ca.certificate_pem, ca.key_path, sql_boolean(ca.key_encrypted)});
  });
}

void PostgresStore::add_role(const std::string& role, const std::string& actor,
                             RoleClientIdRule client_id_rule) {
  write_with_audit(connection_, fmt::format("role '{}'", role),
                   {actor,
                    "role-add",
                    {},
                    {},
                    fmt::format("role={} client_id={}", role, to_string(client_id_rule))},
                   [&] {
                     connection_.exec(
                         fmt::format("INSERT INTO certacl.roles (name, client_id_rule, created_at) "
                                     "VALUES ($1, $2, {})",
                                     kServerNow),
                         {role, std::string(to_string(client_id_rule))});
                   });
}

void PostgresStore::add_rule(const RoleRule& rule, const std::string& actor) {
  const std::string text = fmt::format("{} {} {} '{}'", rule.role, to_string(rule.effect),
                                       to_string(rule.action), rule.pattern);
  // The audit row as certacl-ca writes it on SQLite, so both logs read the same.
  const AuditDraft audit{
      actor,
      fmt::format("role-{}", to_string(rule.effect)),
      {},
      {},
      fmt::format("role={} {} {}", rule.role, to_string(rule.action), rule.pattern)};
  write_with_audit(connection_, fmt::format("rule {}", text), audit, [&] {
    connection_.exec(fmt::format("INSERT INTO certacl.role_rules (role, effect, action, "
                                 "pattern, created_at) VALUES ($1, $2, $3, $4, {})",
                                 kServerNow),
                     {rule.role, std::string(to_string(rule.effect)),
                      std::string(to_string(rule.action)), rule.pattern});
  });
}

void PostgresStore::add_device(const Device& device, const std::string& actor) {
  write_with_audit(connection_, fmt::format("device '{}' (or its SAN)", device.name),
                   {actor, "device-add", device.name, {}, device_added_detail(device)}, [&] {
                     connection_.exec(
                         fmt::format("INSERT INTO certacl.devices (name, role, enabled, san_dns, "
                                     "san_uri, created_at, updated_at) "
                                     "VALUES ($1, $2, $3, $4, $5, {0}, {0})",
                                     kServerNow),
                         {device.name, device.role, sql_boolean(device.enabled), device.san_dns,
                          device.san_uri});
                   });
}

void PostgresStore::set_device_enabled(const std::string& device, bool enabled,
                                       const std::string& actor) {
  write_with_audit(connection_, fmt::format("device '{}'", device),
                   {actor, enabled ? "device-enable" : "device-disable", device, {}, ""}, [&] {
                     const PostgresResult updated = connection_.exec(
                         fmt::format("UPDATE certacl.devices SET enabled = $2, updated_at = {} "
                                     "WHERE name = $1 RETURNING name",
                                     kServerNow),
                         {device, sql_boolean(enabled)});
                     if (updated.rows() == 0) {
                       throw StoreRefusal(StoreRefusal::Kind::kNotFound,
                                          fmt::format("no device named '{}'", device));
                     }
                   });
}

std::string PostgresStore::issue_certificate(const SerialDraw& draw, const CertificateSigner& sign,
                                             const AuditDraft& audit) {
  std::string serial;
  in_write_transaction(fmt::format("certificate for device '{}'", audit.device.value_or("")),
                       [&] { serial = record_certificate(draw, sign, audit); });
  return serial;
}

void PostgresStore::in_write_transaction(const std::string& what,
                                         const std::function<void()>& body) {
  // Another issuer inserting the same serial first surfaces as 40001 (SERIALIZABLE saw our
  // check) or, depending on timing, as a unique violation of the serial: both mean "draw
  // again", never a duplicate.
  const auto serial_taken = [](const PostgresError& error) {
    return error.sqlstate() == kSqlStateUniqueViolation &&
           error.constraint() == "certificates_pkey";
  };
  try {
    with_retry(
        [&] {
          WriteTransaction transaction(connection_, Isolation::kSerializable);
          body();
          transaction.commit();
        },
        serial_taken);
  } catch (const PostgresError& error) {
    refuse(error, what);
  }
}

std::string PostgresStore::record_certificate(const SerialDraw& draw, const CertificateSigner& sign,
                                              const AuditDraft& audit) {
  std::string serial;
  for (int draw_number = 0; serial.empty(); ++draw_number) {
    if (draw_number == kMaxSerialDraws) {
      throw StoreRefusal(StoreRefusal::Kind::kExhausted, "cannot find an unused serial number");
    }
    std::string candidate = draw();
    if (connection_.exec("SELECT 1 FROM certacl.certificates WHERE serial = $1", {candidate})
            .rows() == 0) {
      serial = std::move(candidate);
    }
  }
  const SignedCertificate signed_certificate = sign(serial);
  const CertificateRecord& record = signed_certificate.record;
  if (record.serial != serial) {
    throw std::logic_error("the signer returned a certificate with another serial");
  }
  // certificates.device is a plain name since migration 2 (a removed device's certificates
  // stay as history), so the device is checked here, under the writer lock that every
  // change to devices also takes.
  if (record.device &&
      connection_.exec("SELECT 1 FROM certacl.devices WHERE name = $1", {*record.device}).rows() ==
          0) {
    throw StoreRefusal(StoreRefusal::Kind::kNotFound,
                       fmt::format("no device named '{}'", *record.device));
  }
  connection_.exec(
      fmt::format("INSERT INTO certacl.certificates (serial, kind, device, subject, issuer, "
                  "not_before, not_after, sha256, certificate_pem, public_key_sha256, issued_at) "
                  "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, {})",
                  kServerNow),
      {serial, std::string(to_string(record.kind)), record.device, record.subject, record.issuer,
       std::to_string(record.not_before), std::to_string(record.not_after), record.sha256,
       signed_certificate.certificate_pem, signed_certificate.public_key_sha256});
  AuditDraft entry = audit;
  entry.serial = serial;
  if (!entry.device) entry.device = record.device;
  insert_audit(connection_, entry);
  return serial;
}

std::vector<std::string> PostgresStore::revoke_device(const std::string& device, int reason,
                                                      const std::string& actor) {
  std::vector<std::string> serials;
  write_with_audit(
      connection_, fmt::format("device '{}'", device),
      {actor, "revoke", device, {}, fmt::format("reason={}", reason)}, [&] {
        serials.clear();
        if (connection_.exec("SELECT 1 FROM certacl.devices WHERE name = $1", {device}).rows() ==
            0) {
          throw StoreRefusal(StoreRefusal::Kind::kNotFound,
                             fmt::format("no device named '{}'", device));
        }
        const PostgresResult revoked = connection_.exec(
            fmt::format("UPDATE certacl.certificates SET revoked_at = {}, revocation_reason = $2 "
                        "WHERE device = $1 AND revoked_at IS NULL RETURNING serial",
                        kServerNow),
            {device, std::to_string(reason)});
        for (int row = 0; row < revoked.rows(); ++row) {
          serials.emplace_back(revoked.text(row, 0));
        }
      });
  return serials;
}

std::vector<std::string> PostgresStore::remove_device(const std::string& device, int reason,
                                                      const std::string& actor) {
  std::vector<std::string> serials;
  // Completed inside the transaction, before write_with_audit inserts it.
  AuditDraft audit{actor, "device-remove", device, {}, ""};
  write_with_audit(connection_, fmt::format("device '{}'", device), audit, [&] {
    serials.clear();
    const PostgresResult found =
        connection_.exec("SELECT role FROM certacl.devices WHERE name = $1", {device});
    if (found.rows() == 0) {
      throw StoreRefusal(StoreRefusal::Kind::kNotFound,
                         fmt::format("no device named '{}'", device));
    }
    const PostgresResult revoked = connection_.exec(
        fmt::format("UPDATE certacl.certificates SET revoked_at = {}, revocation_reason = $2 "
                    "WHERE device = $1 AND revoked_at IS NULL RETURNING serial",
                    kServerNow),
        {device, std::to_string(reason)});
    for (int row = 0; row < revoked.rows(); ++row) serials.emplace_back(revoked.text(row, 0));
    connection_.exec("DELETE FROM certacl.enrollment_tokens WHERE device = $1", {device});
    connection_.exec("DELETE FROM certacl.devices WHERE name = $1", {device});
    audit.detail = fmt::format("role={} revoked={}", found.text(0, 0), serials.size());
  });
  return serials;
}

void PostgresStore::set_role_client_id_rule(const std::string& role, RoleClientIdRule rule,
                                            const AuditDraft& audit) {
  write_with_audit(connection_, fmt::format("role '{}'", role), audit, [&] {
    if (connection_
            .exec("UPDATE certacl.roles SET client_id_rule = $2 WHERE name = $1 RETURNING name",
                  {role, std::string(to_string(rule))})
            .rows() == 0) {
      throw StoreRefusal(StoreRefusal::Kind::kNotFound, fmt::format("no role named '{}'", role));
    }
  });
}

void PostgresStore::revoke_serial(const std::string& serial, int reason, const AuditDraft& audit) {
  write_with_audit(connection_, fmt::format("certificate {}", serial), audit, [&] {
    const bool revoked =
        connection_
            .exec(fmt::format("UPDATE certacl.certificates SET revoked_at = {}, "
                              "revocation_reason = $2 WHERE serial = $1 AND revoked_at IS "
                              "NULL RETURNING serial",
                              kServerNow),
                  {serial, std::to_string(reason)})
            .rows() == 1;
    if (!revoked) {
      throw StoreRefusal(StoreRefusal::Kind::kAlreadyExists,
                         fmt::format("certificate {} is unknown or already revoked", serial));
    }
  });
}

void PostgresStore::append_audit(const AuditDraft& entry) {
  insert_audit(connection_, entry);
}

std::vector<AuditRow> PostgresStore::load_audit() {
  const PostgresResult rows = connection_.exec(
      "SELECT id, at, actor, action, device, serial, detail FROM certacl.audit_log ORDER BY id");
  std::vector<AuditRow> entries;
  entries.reserve(static_cast<std::size_t>(rows.rows()));
  for (int row = 0; row < rows.rows(); ++row) {
    entries.push_back(
        AuditRow{rows.int64(row, 0), rows.int64(row, 1),
                 AuditDraft{std::string(rows.text(row, 2)), std::string(rows.text(row, 3)),
                            rows.optional_text(row, 4), rows.optional_text(row, 5),
                            std::string(rows.text(row, 6))}});
  }
  return entries;
}

}  // namespace certacl::store
