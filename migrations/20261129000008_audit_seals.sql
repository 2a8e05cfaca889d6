-- Sealing used to UPDATE every audit entry a second time (seq and hashes): a second version
-- of the row and of each of its index entries, in bursts that stalled intake. Entries are
-- now written once. `audit_pending` names the entries not sealed yet (filled by a trigger,
-- so no writer can forget) and the chain goes to `audit_seals`, insert-only.

CREATE TABLE audit_seals (
    seq       bigint PRIMARY KEY,
    audit_id  bigint NOT NULL UNIQUE,
    prev_hash text NOT NULL,
    hash      text NOT NULL
);
CREATE TABLE audit_pending (
    audit_id bigint PRIMARY KEY
);

INSERT INTO audit_seals (seq, audit_id, prev_hash, hash)
    SELECT seq, id, prev_hash, hash FROM audit_log WHERE seq IS NOT NULL;
INSERT INTO audit_pending (audit_id) SELECT id FROM audit_log WHERE seq IS NULL;

-- Dropping the columns drops the seq index and the partial index of unsealed entries.
ALTER TABLE audit_log DROP COLUMN seq, DROP COLUMN prev_hash, DROP COLUMN hash;

-- No exception for sealing any more: the log and its seals refuse every change.
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP;
END $$;

CREATE TRIGGER audit_seals_no_update BEFORE UPDATE OR DELETE ON audit_seals
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_seals_no_truncate BEFORE TRUNCATE ON audit_seals
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

CREATE FUNCTION audit_log_mark_pending() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit_pending (audit_id) SELECT id FROM new_entries;
    RETURN NULL;
END $$;

-- Once per statement (a transition table), not once per row.
CREATE TRIGGER audit_log_pending AFTER INSERT ON audit_log
    REFERENCING NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_mark_pending();
