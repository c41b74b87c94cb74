-- certacl on PostgreSQL, migration 1: the same registry as SQLite's migration 1
-- (common/src/schema.cpp) and its migration 2 (public_key_sha256), plus what a shared database needs: roles with least privilege,
-- a change counter and change log written only by triggers, and NOTIFY on every change.
-- Applied by certacl_apply_postgres_schema as a role that may create roles (the database
-- owner or an administrator); that role owns every object, so neither certacl role can
-- alter a table, drop a trigger or grant itself more.

-- Group roles (NOLOGIN): a deployment creates login users IN ROLE one of them.
DO $certacl$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'certacl_ca') THEN
    CREATE ROLE certacl_ca NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'certacl_broker') THEN
    CREATE ROLE certacl_broker NOLOGIN;
  END IF;
END
$certacl$;

CREATE SCHEMA certacl;
REVOKE ALL ON SCHEMA certacl FROM PUBLIC;

-- One row per applied migration; the highest version is the schema's version.
CREATE TABLE certacl.schema_migrations (
  version    integer PRIMARY KEY,
  applied_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE certacl.state (
  id             integer PRIMARY KEY CHECK (id = 1),
  change_counter bigint NOT NULL CHECK (change_counter >= 0)
);
INSERT INTO certacl.state (id, change_counter) VALUES (1, 0);

CREATE TABLE certacl.ca (
  id              integer PRIMARY KEY CHECK (id = 1),
  name            text NOT NULL,
  certificate_pem text NOT NULL,
  key_path        text NOT NULL,
  key_encrypted   boolean NOT NULL,
  created_at      bigint NOT NULL
);

CREATE TABLE certacl.roles (
  name       text PRIMARY KEY,
  created_at bigint NOT NULL
);

CREATE TABLE certacl.role_rules (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  role       text NOT NULL REFERENCES certacl.roles (name),
  effect     text NOT NULL CHECK (effect IN ('allow', 'deny')),
  action     text NOT NULL CHECK (action IN ('publish', 'subscribe')),
  pattern    text NOT NULL,
  created_at bigint NOT NULL,
  UNIQUE (role, effect, action, pattern)
);

CREATE TABLE certacl.devices (
  name       text PRIMARY KEY,
  role       text NOT NULL REFERENCES certacl.roles (name),
  enabled    boolean NOT NULL,
  san_dns    text,
  san_uri    text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE UNIQUE INDEX devices_san_dns ON certacl.devices (san_dns) WHERE san_dns IS NOT NULL;
CREATE UNIQUE INDEX devices_san_uri ON certacl.devices (san_uri) WHERE san_uri IS NOT NULL;

CREATE TABLE certacl.certificates (
  serial            text PRIMARY KEY,
  kind              text NOT NULL CHECK (kind IN ('device', 'server')),
  device            text REFERENCES certacl.devices (name),
  subject           text NOT NULL,
  issuer            text NOT NULL,
  not_before        bigint NOT NULL,
  not_after         bigint NOT NULL,
  sha256            text NOT NULL UNIQUE,
  certificate_pem   text NOT NULL,
  issued_at         bigint NOT NULL,
  revoked_at        bigint,
  revocation_reason bigint,
  -- SHA-256 of the SubjectPublicKeyInfo (SQLite migration 2): a key revoked for
  -- keyCompromise is refused on any later CSR.
  public_key_sha256 text,
  CHECK ((kind = 'device') = (device IS NOT NULL)),
  CHECK ((revoked_at IS NULL) = (revocation_reason IS NULL))
);
CREATE INDEX certificates_device ON certacl.certificates (device);
CREATE INDEX certificates_public_key ON certacl.certificates (public_key_sha256);

CREATE TABLE certacl.audit_log (
  id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at     bigint NOT NULL,
  actor  text NOT NULL,
  action text NOT NULL,
  device text,
  serial text,
  detail text NOT NULL
);

-- CA writers queue here: LOCK TABLE certacl.writer_lock IN EXCLUSIVE MODE is the first
-- statement of every CA write transaction, before its snapshot is taken, so a SERIALIZABLE
-- issuer sees everything committed before it and CA processes wait for each other instead
-- of failing with serialization errors. Every write also updates the one state row, so
-- writes were serialized already; the lock only moves the wait before the snapshot.
-- It never holds a row; LOCK in this mode needs UPDATE, which only the CA role has.
CREATE TABLE certacl.writer_lock (never_a_row boolean CHECK (false));

-- One row per changed registry row, numbered by the change counter: a reader that saw
-- counter N asks for the rows after N and applies only those.
CREATE TABLE certacl.change_log (
  counter    bigint PRIMARY KEY,
  entity     text NOT NULL CHECK (entity IN ('device', 'role', 'certificate')),
  key        text NOT NULL,
  device     text,
  changed_at timestamptz NOT NULL DEFAULT now()
);

-- Append-only, enforced here as well as by the grants below: even a role that somehow
-- got UPDATE or DELETE cannot rewrite history without dropping the trigger (owner only).
CREATE FUNCTION certacl.refuse_history_change() RETURNS trigger
LANGUAGE plpgsql AS $certacl$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END
$certacl$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON certacl.audit_log
  FOR EACH ROW EXECUTE FUNCTION certacl.refuse_history_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON certacl.audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION certacl.refuse_history_change();
CREATE TRIGGER change_log_append_only BEFORE UPDATE OR DELETE ON certacl.change_log
  FOR EACH ROW EXECUTE FUNCTION certacl.refuse_history_change();
CREATE TRIGGER change_log_no_truncate BEFORE TRUNCATE ON certacl.change_log
  FOR EACH STATEMENT EXECUTE FUNCTION certacl.refuse_history_change();

-- Every change to what the broker reads bumps the counter, logs the key and notifies.
-- The state row stays locked until COMMIT, so counters are handed out in commit order:
-- a reader never sees counter N+1 committed while N is still in flight (a sequence
-- would allow that and a reader would skip N). NOTIFY is delivered at COMMIT, never for
-- a rolled-back change. SECURITY DEFINER: the CA role writes neither state nor
-- change_log directly, so it cannot forge or rewind the counter.
CREATE FUNCTION certacl.record_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $certacl$
DECLARE
  changed certacl.change_log%ROWTYPE;
  row_data record;
BEGIN
  IF TG_OP = 'DELETE' THEN row_data := OLD; ELSE row_data := NEW; END IF;
  UPDATE certacl.state SET change_counter = change_counter + 1 WHERE id = 1
    RETURNING change_counter INTO changed.counter;
  IF TG_TABLE_NAME = 'devices' THEN
    changed.entity := 'device'; changed.key := row_data.name; changed.device := row_data.name;
  ELSIF TG_TABLE_NAME = 'roles' THEN
    changed.entity := 'role'; changed.key := row_data.name;
  ELSIF TG_TABLE_NAME = 'role_rules' THEN
    changed.entity := 'role'; changed.key := row_data.role;
  ELSE
    changed.entity := 'certificate'; changed.key := row_data.serial;
    changed.device := row_data.device;
  END IF;
  INSERT INTO certacl.change_log (counter, entity, key, device)
    VALUES (changed.counter, changed.entity, changed.key, changed.device);
  -- The payload is a hint for latency; readers take the counter from the database, since
  -- any role may NOTIFY any channel.
  PERFORM pg_notify('certacl_changes', changed.counter::text);
  RETURN NULL;
END
$certacl$;
REVOKE ALL ON FUNCTION certacl.record_change() FROM PUBLIC;
CREATE TRIGGER roles_changed AFTER INSERT OR UPDATE OR DELETE ON certacl.roles
  FOR EACH ROW EXECUTE FUNCTION certacl.record_change();
CREATE TRIGGER role_rules_changed AFTER INSERT OR UPDATE OR DELETE ON certacl.role_rules
  FOR EACH ROW EXECUTE FUNCTION certacl.record_change();
CREATE TRIGGER devices_changed AFTER INSERT OR UPDATE OR DELETE ON certacl.devices
  FOR EACH ROW EXECUTE FUNCTION certacl.record_change();
CREATE TRIGGER certificates_changed AFTER INSERT OR UPDATE OR DELETE ON certacl.certificates
  FOR EACH ROW EXECUTE FUNCTION certacl.record_change();
-- TRUNCATE skips row triggers, so it would change the registry without a change-log row;
-- no role has the privilege, and these refuse it even for the owner.
CREATE FUNCTION certacl.refuse_truncate() RETURNS trigger
LANGUAGE plpgsql AS $certacl$
BEGIN
  RAISE EXCEPTION '% cannot be truncated: readers would miss the change', TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END
$certacl$;
CREATE TRIGGER roles_no_truncate BEFORE TRUNCATE ON certacl.roles
  FOR EACH STATEMENT EXECUTE FUNCTION certacl.refuse_truncate();
CREATE TRIGGER role_rules_no_truncate BEFORE TRUNCATE ON certacl.role_rules
  FOR EACH STATEMENT EXECUTE FUNCTION certacl.refuse_truncate();
CREATE TRIGGER devices_no_truncate BEFORE TRUNCATE ON certacl.devices
  FOR EACH STATEMENT EXECUTE FUNCTION certacl.refuse_truncate();
CREATE TRIGGER certificates_no_truncate BEFORE TRUNCATE ON certacl.certificates
  FOR EACH STATEMENT EXECUTE FUNCTION certacl.refuse_truncate();

-- What the broker may read: no private material (certificate_pem, the CA row, audit).
CREATE VIEW certacl.broker_state AS
  SELECT change_counter FROM certacl.state;
-- The CA certificate (public), so a broker can refuse a registry of another CA.
CREATE VIEW certacl.broker_ca AS
  SELECT certificate_pem FROM certacl.ca;
CREATE VIEW certacl.broker_devices AS
  SELECT name, role, enabled, san_dns, san_uri, created_at, updated_at FROM certacl.devices;
CREATE VIEW certacl.broker_role_rules AS
  SELECT id, role, effect, action, pattern FROM certacl.role_rules;
CREATE VIEW certacl.broker_device_certificates AS
  SELECT serial, kind, device, subject, issuer, not_before, not_after, sha256, issued_at,
         revoked_at, revocation_reason
  FROM certacl.certificates WHERE kind = 'device';
CREATE VIEW certacl.broker_schema_version AS
  SELECT coalesce(max(version), 0) AS version FROM certacl.schema_migrations;
CREATE VIEW certacl.broker_changes AS
  SELECT counter, entity, key, device FROM certacl.change_log;

GRANT USAGE ON SCHEMA certacl TO certacl_ca, certacl_broker;
GRANT SELECT ON certacl.broker_schema_version, certacl.broker_state, certacl.broker_ca, certacl.broker_devices, certacl.broker_role_rules,
  certacl.broker_device_certificates, certacl.broker_changes TO certacl_broker, certacl_ca;

-- The CA writes the registry; certificates are never deleted and only their revocation
-- columns change; the audit log takes INSERT only.
GRANT SELECT ON certacl.state, certacl.change_log TO certacl_ca;
GRANT UPDATE ON certacl.writer_lock TO certacl_ca;
GRANT SELECT, INSERT ON certacl.ca TO certacl_ca;
GRANT SELECT, INSERT, DELETE ON certacl.roles TO certacl_ca;
GRANT SELECT, INSERT, DELETE ON certacl.role_rules TO certacl_ca;
GRANT SELECT, INSERT ON certacl.devices TO certacl_ca;
GRANT UPDATE (role, enabled, san_dns, san_uri, updated_at) ON certacl.devices TO certacl_ca;
GRANT SELECT, INSERT ON certacl.certificates TO certacl_ca;
GRANT UPDATE (revoked_at, revocation_reason) ON certacl.certificates TO certacl_ca;
GRANT SELECT, INSERT ON certacl.audit_log TO certacl_ca;
