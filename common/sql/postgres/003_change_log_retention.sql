-- certacl on PostgreSQL, migration 3 (issue 13): the change log keeps the last 10,000
-- changes instead of growing forever. Brokers apply the rows after the counter they hold
-- (plugin/src/broker/postgres_snapshot_watcher.h); one that is further behind than the rows
-- kept finds a gap and reads the whole registry instead. Same bound as SQLite's
-- (common/src/schema.cpp, kChangeLogRetention).
--
-- record_change (SECURITY DEFINER, as the owner) prunes in the writer's own transaction.
-- The log stays append-only for everything newer than the bound, even for the owner: a
-- recent row can be neither updated nor deleted.

CREATE OR REPLACE FUNCTION certacl.record_change() RETURNS trigger
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
  DELETE FROM certacl.change_log WHERE counter <= changed.counter - 10000;
  -- The payload is a hint for latency; readers take the counter from the database, since
  -- any role may NOTIFY any channel.
  PERFORM pg_notify('certacl_changes', changed.counter::text);
  RETURN NULL;
END
$certacl$;
REVOKE ALL ON FUNCTION certacl.record_change() FROM PUBLIC;

CREATE FUNCTION certacl.refuse_recent_change_log_delete() RETURNS trigger
LANGUAGE plpgsql AS $certacl$
BEGIN
  IF OLD.counter > (SELECT change_counter FROM certacl.state WHERE id = 1) - 10000 THEN
    RAISE EXCEPTION '% is append-only (only changes older than the last 10000 are pruned)',
      TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN OLD;
END
$certacl$;
DROP TRIGGER change_log_append_only ON certacl.change_log;
CREATE TRIGGER change_log_append_only BEFORE UPDATE ON certacl.change_log
  FOR EACH ROW EXECUTE FUNCTION certacl.refuse_history_change();
CREATE TRIGGER change_log_prunes_only_old_rows BEFORE DELETE ON certacl.change_log
  FOR EACH ROW EXECUTE FUNCTION certacl.refuse_recent_change_log_delete();
