#include "certacl/schema.h"

#include <fmt/format.h>

#include <array>
#include <string>
#include <string_view>

#include "certacl/certificate_facts.h"

namespace certacl {
namespace {

// Migration N upgrades a database from version N to N+1. Never edit a released migration;
// append a new one and bump kSchemaVersion.
constexpr std::string_view kMigrationToV1 = R"sql(
CREATE TABLE certacl_state (
  id             INTEGER PRIMARY KEY CHECK (id = 1),
  change_counter INTEGER NOT NULL
);
INSERT INTO certacl_state (id, change_counter) VALUES (1, 0);

CREATE TABLE ca (
  id              INTEGER PRIMARY KEY CHECK (id = 1),
  name            TEXT NOT NULL,
  certificate_pem TEXT NOT NULL,
  key_path        TEXT NOT NULL,
  key_encrypted   INTEGER NOT NULL CHECK (key_encrypted IN (0, 1)),
  created_at      INTEGER NOT NULL
);

CREATE TABLE roles (
  name       TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL
);

CREATE TABLE role_rules (
  id         INTEGER PRIMARY KEY,
  role       TEXT NOT NULL REFERENCES roles (name),
  effect     TEXT NOT NULL CHECK (effect IN ('allow', 'deny')),
  action     TEXT NOT NULL CHECK (action IN ('publish', 'subscribe')),
  pattern    TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (role, effect, action, pattern)
);

CREATE TABLE devices (
  name       TEXT PRIMARY KEY,
  role       TEXT NOT NULL REFERENCES roles (name),
  enabled    INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  san_dns    TEXT,
  san_uri    TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX devices_san_dns ON devices (san_dns) WHERE san_dns IS NOT NULL;
CREATE UNIQUE INDEX devices_san_uri ON devices (san_uri) WHERE san_uri IS NOT NULL;

CREATE TABLE certificates (
  serial            TEXT PRIMARY KEY,
  kind              TEXT NOT NULL CHECK (kind IN ('device', 'server')),
  device            TEXT REFERENCES devices (name),
  subject           TEXT NOT NULL,
  issuer            TEXT NOT NULL,
  not_before        INTEGER NOT NULL,
  not_after         INTEGER NOT NULL,
  sha256            TEXT NOT NULL UNIQUE,
  certificate_pem   TEXT NOT NULL,
  issued_at         INTEGER NOT NULL,
  revoked_at        INTEGER,
  revocation_reason INTEGER,
  CHECK ((kind = 'device') = (device IS NOT NULL)),
  CHECK ((revoked_at IS NULL) = (revocation_reason IS NULL))
);
CREATE INDEX certificates_device ON certificates (device);

CREATE TABLE audit_log (
  id     INTEGER PRIMARY KEY AUTOINCREMENT,
  at     INTEGER NOT NULL,
  actor  TEXT NOT NULL,
  action TEXT NOT NULL,
  device TEXT,
  serial TEXT,
  detail TEXT NOT NULL
);
CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
)sql";

// Issue 9: the SHA-256 of each certificate's SubjectPublicKeyInfo, so a key revoked for
// keyCompromise is refused on any later CSR (sign, renew, enroll, EST). Rows that existed
// before are filled from certificate_pem by backfill_public_key_fingerprints below.
constexpr std::string_view kMigrationPublicKeyFingerprint = R"sql(
ALTER TABLE certificates ADD COLUMN public_key_sha256 TEXT;
CREATE INDEX certificates_public_key ON certificates (public_key_sha256);
)sql";

// EST enrollment (certacl-ca serve): one-time tokens, stored only as their SHA-256, and
// certificates replaced by a renewal that are revoked as 'superseded' once the overlap ends.
constexpr std::string_view kMigrationEnrollmentTokens = R"sql(
CREATE TABLE enrollment_tokens (
  id           INTEGER PRIMARY KEY,
  device       TEXT NOT NULL REFERENCES devices (name),
  token_sha256 TEXT NOT NULL UNIQUE,
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  used_at      INTEGER,
  used_serial  TEXT REFERENCES certificates (serial),
  revoked_at   INTEGER,
  CHECK ((used_at IS NULL) = (used_serial IS NULL))
);
CREATE INDEX enrollment_tokens_device ON enrollment_tokens (device);

CREATE TABLE pending_supersessions (
  serial      TEXT PRIMARY KEY REFERENCES certificates (serial),
  replaced_by TEXT NOT NULL REFERENCES certificates (serial),
  revoke_at   INTEGER NOT NULL
);
)sql";

// `device remove` deletes a device's row but keeps its (revoked) certificates as history, so
// certificates.device stops being a foreign key into devices and becomes a plain name.
// Dropping a FOREIGN KEY constraint does not change the on-disk format, so SQLite allows it
// as an edit of the stored CREATE TABLE text (sqlite.org/lang_altertable.html, "other kinds
// of table schema changes"); unlike a table rebuild it keeps every column other migrations
// add to certificates, whatever order they run in. RESET reloads the schema at once.
constexpr std::string_view kMigrationDeviceHistory = R"sql(
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
   SET sql = replace(sql, 'device            TEXT REFERENCES devices (name),',
                          'device            TEXT,')
 WHERE type = 'table' AND name = 'certificates';
PRAGMA writable_schema = RESET;
)sql";

// Issue 12: which client ids a role's devices may use, per role (`role add --client-id`,
// `role set-client-id`); existing roles keep exact client ids.
constexpr std::string_view kMigrationRoleClientIdRule = R"sql(
ALTER TABLE roles ADD COLUMN client_id_rule TEXT NOT NULL DEFAULT 'exact'
  CHECK (client_id_rule IN ('exact', 'prefix'));
)sql";

// Issue 13: which device, role or certificate each change counter value changed, so a broker
// applies only those rows instead of re-reading the whole registry (docs/SCALING.md). Same
// shape as PostgreSQL's certacl.change_log. Filled by the triggers that bump the counter
// (create_change_counter_triggers below), in the writer's transaction; the counter-only
// triggers of earlier versions are replaced by those.
constexpr std::string_view kMigrationChangeLog = R"sql(
CREATE TABLE change_log (
  counter    INTEGER PRIMARY KEY,
  entity     TEXT NOT NULL CHECK (entity IN ('device', 'role', 'certificate')),
  key        TEXT NOT NULL,
  device     TEXT,
  changed_at INTEGER NOT NULL
);
DROP TRIGGER IF EXISTS roles_INSERT_bumps_counter;
DROP TRIGGER IF EXISTS roles_UPDATE_bumps_counter;
DROP TRIGGER IF EXISTS roles_DELETE_bumps_counter;
DROP TRIGGER IF EXISTS role_rules_INSERT_bumps_counter;
DROP TRIGGER IF EXISTS role_rules_UPDATE_bumps_counter;
DROP TRIGGER IF EXISTS role_rules_DELETE_bumps_counter;
DROP TRIGGER IF EXISTS devices_INSERT_bumps_counter;
DROP TRIGGER IF EXISTS devices_UPDATE_bumps_counter;
DROP TRIGGER IF EXISTS devices_DELETE_bumps_counter;
DROP TRIGGER IF EXISTS certificates_INSERT_bumps_counter;
DROP TRIGGER IF EXISTS certificates_UPDATE_bumps_counter;
DROP TRIGGER IF EXISTS certificates_DELETE_bumps_counter;
)sql";

constexpr std::array<std::string_view, 6> kMigrations = {
    kMigrationToV1,          kMigrationPublicKeyFingerprint, kMigrationEnrollmentTokens,
    kMigrationDeviceHistory, kMigrationRoleClientIdRule,     kMigrationChangeLog};
static_assert(kMigrations.size() == kSchemaVersion);
static_assert(kMigrations[kChangeLogSchemaVersion - 1] == kMigrationChangeLog,
              "kChangeLogSchemaVersion names the migration that adds change_log");

// Every table the plugin reads bumps the change counter and logs what it changed, whoever
// writes it, so the plugin can watch one integer and then read only the rows named in the
// log. The log keeps the last kChangeLogRetention rows, pruned by the same trigger.
// `entity`, `key` and `device` per table, as on PostgreSQL (certacl.record_change).
struct WatchedTable {
  std::string_view table;
  std::string_view entity;
  std::string_view key_column;
  std::string_view device_column;  // "NULL": the row names no device
};
constexpr std::array<WatchedTable, 4> kWatchedTables = {{
    {"roles", "role", "name", "NULL"},
    {"role_rules", "role", "role", "NULL"},
    {"devices", "device", "name", "name"},
    {"certificates", "certificate", "serial", "device"},
}};

std::string row_column(std::string_view row, std::string_view column) {
  return column == "NULL" ? std::string("NULL") : fmt::format("{}.{}", row, column);
}

void create_change_counter_triggers(SqliteDatabase& db) {
  for (const WatchedTable& watched : kWatchedTables) {
    for (const std::string_view operation : {"INSERT", "UPDATE", "DELETE"}) {
      const std::string_view row = operation == "DELETE" ? "OLD" : "NEW";
      db.exec(
          fmt::format("CREATE TRIGGER IF NOT EXISTS {0}_{1}_records_change AFTER {1} ON {0} BEGIN "
                      "UPDATE certacl_state SET change_counter = change_counter + 1 WHERE id = 1; "
                      "INSERT INTO change_log (counter, entity, key, device, changed_at) VALUES ("
                      "(SELECT change_counter FROM certacl_state WHERE id = 1), '{2}', {3}, {4}, "
                      "CAST(strftime('%s', 'now') AS INTEGER)); "
                      "DELETE FROM change_log WHERE counter <= "
                      "(SELECT change_counter FROM certacl_state WHERE id = 1) - {5}; END",
                      watched.table, operation, watched.entity, row_column(row, watched.key_column),
                      row_column(row, watched.device_column), kChangeLogRetention));
    }
  }
}

// SQL cannot parse a certificate, so the fingerprint of rows written before the column
// existed is computed here, in the migration's transaction. Idempotent; no-op when none.
void backfill_public_key_fingerprints(SqliteDatabase& db) {
  Statement missing = db.prepare(
      "SELECT serial, certificate_pem FROM certificates WHERE public_key_sha256 IS NULL");
  Statement update = db.prepare("UPDATE certificates SET public_key_sha256 = ?1 WHERE serial = ?2");
  while (missing.step()) {
    const X509Ptr certificate = parse_certificate_pem(missing.column_text(1));
    const std::string fingerprint =
        certificate ? public_key_sha256(X509_get0_pubkey(certificate.get())) : std::string{};
    if (fingerprint.empty()) {
      take_openssl_errors();
      throw DatabaseError(fmt::format("database '{}': certificate {} is unreadable; cannot "
                                      "record its public key",
                                      db.path(), missing.column_text(0)),
                          SQLITE_CORRUPT);
    }
    update.reset();
    update.bind(1, fingerprint).bind(2, missing.column_text(0)).run();
  }
}

bool has_foreign_tables(SqliteDatabase& db) {
  return db.query_int64("SELECT count(*) FROM sqlite_schema WHERE type = 'table'") > 0;
}

}  // namespace

int read_schema_version(SqliteDatabase& db) {
  return static_cast<int>(db.query_int64("PRAGMA user_version"));
}

void apply_migrations(SqliteDatabase& db) {
  WriteTransaction transaction(db);
  const int version = read_schema_version(db);
  if (version > kSchemaVersion) {
    throw DatabaseError(fmt::format("database '{}' has schema version {}, newer than this "
                                    "certacl (version {}); upgrade certacl",
                                    db.path(), version, kSchemaVersion),
                        SQLITE_ERROR);
  }
  if (version == 0 && has_foreign_tables(db)) {
    throw DatabaseError(
        fmt::format("'{}' is an SQLite database but not a certacl database", db.path()),
        SQLITE_ERROR);
  }
  for (int from = version; from < kSchemaVersion; ++from) {
    db.exec(kMigrations[static_cast<std::size_t>(from)]);
  }
  create_change_counter_triggers(db);
  backfill_public_key_fingerprints(db);
  db.exec(fmt::format("PRAGMA user_version = {}", kSchemaVersion));
  transaction.commit();
}

void require_current_schema(SqliteDatabase& db) {
  const int version = read_schema_version(db);
  if (version == kSchemaVersion) return;
  if (version == 0) {
    throw DatabaseError(fmt::format("'{}' is not a certacl database (no schema; run "
                                    "'certacl-ca init' first)",
                                    db.path()),
                        SQLITE_ERROR);
  }
  throw DatabaseError(fmt::format("database '{}' has schema version {}, this build expects {}",
                                  db.path(), version, kSchemaVersion),
                      SQLITE_ERROR);
}

}  // namespace certacl
