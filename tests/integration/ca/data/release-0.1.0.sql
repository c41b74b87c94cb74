-- A registry written by certacl 0.1.0 (schema version 1): init, role sensor with one rule,
-- device dev1 with one revoked certificate. Its CA key is release-0.1.0-ca-key.pem (test only).
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE certacl_state (
  id             INTEGER PRIMARY KEY CHECK (id = 1),
  change_counter INTEGER NOT NULL
);
INSERT INTO certacl_state VALUES(1,5);
CREATE TABLE ca (
  id              INTEGER PRIMARY KEY CHECK (id = 1),
  name            TEXT NOT NULL,
  certificate_pem TEXT NOT NULL,
  key_path        TEXT NOT NULL,
  key_encrypted   INTEGER NOT NULL CHECK (key_encrypted IN (0, 1)),
  created_at      INTEGER NOT NULL
);
INSERT INTO ca VALUES(1,'release 0.1.0 CA',replace('-----BEGIN CERTIFICATE-----\nMIIBmjCCAUGgAwIBAgIUYvNtGzFAczg9wm1bRfkAWOMWe3EwCgYIKoZIzj0EAwIw\nGzEZMBcGA1UEAwwQcmVsZWFzZSAwLjEuMCBDQTAeFw0yNjExMjQwODA2NTZaFw0z\nNjExMjEwODA3NTZaMBsxGTAXBgNVBAMMEHJlbGVhc2UgMC4xLjAgQ0EwWTATBgcq\nhkjOPQIBBggqhkjOPQMBBwNCAASKLAnGdekMGj2pIjS4ESU8Kt2+8ufi65wWOsOJ\nMDIOc+TXuCdkhDGF/Bf3kCxws6yvifyp9hkPb5q7U9fHuOWRo2MwYTAPBgNVHRMB\nAf8EBTADAQH/MA4GA1UdDwEB/wQEAwIBBjAdBgNVHQ4EFgQUuNb+DwCAzen1GUSn\nu41a6Qou0JowHwYDVR0jBBgwFoAUuNb+DwCAzen1GUSnu41a6Qou0JowCgYIKoZI\nzj0EAwIDRwAwRAIgIH+WbKmy+zIra2m28O9CGw35Glf/KZwGWcLbhevxFzMCICC+\nzR8Dvmom/9O7y00+wNrGoo04Dhhl8ERTE/9/JvNm\n-----END CERTIFICATE-----\n','\n',char(10)),'/tmp/v1fix/r.db-ca-key.pem',0,1795507676);
CREATE TABLE roles (
  name       TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL
);
INSERT INTO roles VALUES('sensor',1795507676);
CREATE TABLE role_rules (
  id         INTEGER PRIMARY KEY,
  role       TEXT NOT NULL REFERENCES roles (name),
  effect     TEXT NOT NULL CHECK (effect IN ('allow', 'deny')),
  action     TEXT NOT NULL CHECK (action IN ('publish', 'subscribe')),
  pattern    TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (role, effect, action, pattern)
);
INSERT INTO role_rules VALUES(1,'sensor','allow','publish','factory/%u/#',1795507676);
CREATE TABLE devices (
  name       TEXT PRIMARY KEY,
  role       TEXT NOT NULL REFERENCES roles (name),
  enabled    INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  san_dns    TEXT,
  san_uri    TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
INSERT INTO devices VALUES('dev1','sensor',1,NULL,NULL,1795507676,1795507676);
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
INSERT INTO certificates VALUES('71C8233167D8C4F8AB841228F53F6EC28D0C8DDA','device','dev1','CN=dev1','CN=release 0.1.0 CA',1795507617,1827043677,'5ad0fac0c0e9abd16ac0def6c3796357a72f4a85e925fd3c5da9b78a2d5ed333',replace('-----BEGIN CERTIFICATE-----\nMIIBoTCCAUegAwIBAgIUccgjMWfYxPirhBIo9T9uwo0MjdowCgYIKoZIzj0EAwIw\nGzEZMBcGA1UEAwwQcmVsZWFzZSAwLjEuMCBDQTAeFw0yNjExMjQwODA2NTdaFw0y\nNzExMjQwODA3NTdaMA8xDTALBgNVBAMMBGRldjEwWTATBgcqhkjOPQIBBggqhkjO\nPQMBBwNCAAQg7kLm3Tk3JGFQeI1zyINsY4bEtm8JkkrkcWCpVjKPelPTpPgfUdka\nC39PbJVvqxik0WR7mJ6o5Wuw/bjO/xI7o3UwczAMBgNVHRMBAf8EAjAAMA4GA1Ud\nDwEB/wQEAwIHgDATBgNVHSUEDDAKBggrBgEFBQcDAjAdBgNVHQ4EFgQUKkPrekH5\ng71jTgLhau5E4t+oWa4wHwYDVR0jBBgwFoAUuNb+DwCAzen1GUSnu41a6Qou0Jow\nCgYIKoZIzj0EAwIDSAAwRQIhAIeKyvZp0sTILXPj5WhpwzFRVGoA6cTeosztBMmo\nxznJAiAuW9T2Cu84hdrXF0t5uMQzRpV4M1+/MevWf7ksNrQ1Ng==\n-----END CERTIFICATE-----\n','\n',char(10)),1795507677,1795507677,4);
CREATE TABLE audit_log (
  id     INTEGER PRIMARY KEY AUTOINCREMENT,
  at     INTEGER NOT NULL,
  actor  TEXT NOT NULL,
  action TEXT NOT NULL,
  device TEXT,
  serial TEXT,
  detail TEXT NOT NULL
);
INSERT INTO audit_log VALUES(1,1795507676,'root','init',NULL,'62F36D1B314073383DC26D5B45F90058E3167B71','name=release 0.1.0 CA key_type=ec-p256 encrypted=no');
INSERT INTO audit_log VALUES(2,1795507676,'root','role-add',NULL,NULL,'role=sensor');
INSERT INTO audit_log VALUES(3,1795507676,'root','role-allow',NULL,NULL,'role=sensor publish factory/%u/#');
INSERT INTO audit_log VALUES(4,1795507676,'root','device-add','dev1',NULL,'role=sensor');
INSERT INTO audit_log VALUES(5,1795507677,'root','enroll','dev1','71C8233167D8C4F8AB841228F53F6EC28D0C8DDA','not_before=2026-11-24T08:06:57Z not_after=2027-11-24T08:07:57Z');
INSERT INTO audit_log VALUES(6,1795507677,'root','revoke','dev1','71C8233167D8C4F8AB841228F53F6EC28D0C8DDA','reason=superseded');
DELETE FROM sqlite_sequence;
INSERT INTO sqlite_sequence VALUES('audit_log',6);
CREATE UNIQUE INDEX devices_san_dns ON devices (san_dns) WHERE san_dns IS NOT NULL;
CREATE UNIQUE INDEX devices_san_uri ON devices (san_uri) WHERE san_uri IS NOT NULL;
CREATE INDEX certificates_device ON certificates (device);
CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER roles_INSERT_bumps_counter AFTER INSERT ON roles BEGIN UPDATE certacl_state SET change_counter = change_counter + 1 WHERE id = 1; END;
CREATE TRIGGER roles_UPDATE_bumps_counter AFTER UPDATE ON roles BEGIN UPDATE certacl_state SET change_counter = change_counter + 1 WHERE id = 1; END;
CREATE TRIGGER roles_DELETE_bumps_counter AFTER DELETE ON roles BEGIN UPDATE certacl_state SET change_counter = change_counter + 1 WHERE id = 1; END;
CREATE TRIGGER role_rules_INSERT_bumps_counter AFTER INSERT ON role_rules BEGIN UPDATE certacl_state SET change_counter = change_counter + 1 WHERE id = 1; END;
CREATE TRIGGER role_rules_UPDATE_bumps_counter AFTER UPDATE ON role_rules BEGIN UPDATE certacl_state SET change_counter = change_counter + 1 WHERE id = 1; END;
CREATE TRIGGER role_rules_DELETE_bumps_counter AFTER DELETE ON role_rules BEGIN UPDATE certacl_state SET change_counter = change_counter + 1 WHERE id = 1; END;
CREATE TRIGGER devices_INSERT_bumps_counter AFTER INSERT ON devices BEGIN UPDATE certacl_state SET change_counter = change_counter + 1 WHERE id = 1; END;
CREATE TRIGGER devices_UPDATE_bumps_counter AFTER UPDATE ON devices BEGIN UPDATE certacl_state SET change_counter = change_counter + 1 WHERE id = 1; END;
CREATE TRIGGER devices_DELETE_bumps_counter AFTER DELETE ON devices BEGIN UPDATE certacl_state SET change_counter = change_counter + 1 WHERE id = 1; END;
CREATE TRIGGER certificates_INSERT_bumps_counter AFTER INSERT ON certificates BEGIN UPDATE certacl_state SET change_counter = change_counter + 1 WHERE id = 1; END;
CREATE TRIGGER certificates_UPDATE_bumps_counter AFTER UPDATE ON certificates BEGIN UPDATE certacl_state SET change_counter = change_counter + 1 WHERE id = 1; END;
CREATE TRIGGER certificates_DELETE_bumps_counter AFTER DELETE ON certificates BEGIN UPDATE certacl_state SET change_counter = change_counter + 1 WHERE id = 1; END;
COMMIT;
PRAGMA user_version = 1;
