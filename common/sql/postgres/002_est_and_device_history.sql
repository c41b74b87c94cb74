-- certacl on PostgreSQL, migration 2: SQLite's migrations 3, 4 and 5 (common/src/schema.cpp).
-- EST enrollment (certacl-ca serve): one-time tokens, stored only as their SHA-256, and
-- certificates replaced by a renewal that are revoked as 'superseded' once the overlap ends.
-- `device remove`: a device's row is deleted, its (revoked) certificates stay as history, so
-- certificates.device is a plain name instead of a foreign key. Neither table is for brokers:
-- certacl_broker gets nothing on them (PostgresGrants.* enumerate every relation).
-- Per-role client ids: which client ids a role's devices may use; brokers read it.

CREATE TABLE certacl.enrollment_tokens (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  device       text NOT NULL REFERENCES certacl.devices (name),
  token_sha256 text NOT NULL UNIQUE,
  created_at   bigint NOT NULL,
  expires_at   bigint NOT NULL,
  used_at      bigint,
  used_serial  text REFERENCES certacl.certificates (serial),
  revoked_at   bigint,
  CHECK ((used_at IS NULL) = (used_serial IS NULL))
);
CREATE INDEX enrollment_tokens_device ON certacl.enrollment_tokens (device);

CREATE TABLE certacl.pending_supersessions (
  serial      text PRIMARY KEY REFERENCES certacl.certificates (serial),
  replaced_by text NOT NULL REFERENCES certacl.certificates (serial),
  revoke_at   bigint NOT NULL
);

ALTER TABLE certacl.certificates DROP CONSTRAINT certificates_device_fkey;

ALTER TABLE certacl.roles ADD COLUMN client_id_rule text NOT NULL DEFAULT 'exact'
  CHECK (client_id_rule IN ('exact', 'prefix'));
CREATE VIEW certacl.broker_roles AS SELECT name, client_id_rule FROM certacl.roles;
GRANT SELECT ON certacl.broker_roles TO certacl_broker, certacl_ca;
GRANT UPDATE (client_id_rule) ON certacl.roles TO certacl_ca;

-- A token is used or revoked by updating it, never rewritten otherwise; `device remove`
-- deletes the device's tokens with the device (the audit log keeps their history), and a
-- supersession is deleted once its certificate is revoked.
GRANT SELECT, INSERT, DELETE ON certacl.enrollment_tokens TO certacl_ca;
GRANT UPDATE (used_at, used_serial, revoked_at) ON certacl.enrollment_tokens TO certacl_ca;
GRANT SELECT, INSERT, DELETE ON certacl.pending_supersessions TO certacl_ca;
GRANT DELETE ON certacl.devices TO certacl_ca;
