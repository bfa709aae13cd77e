-- The activity log page (Settings → Activity Log): indexes for its filters and keyset paging,
-- a hash chain that makes changes evident, and triggers that keep the table append-only.

-- Filters walk these newest first by (at, id), the page's keyset (activity_log_at exists).
CREATE INDEX activity_log_action_at ON activity_log (action, at, id);
CREATE INDEX activity_log_outcome_at ON activity_log (outcome, at, id);
CREATE INDEX activity_log_actor_email_at ON activity_log (actor_email, at, id);

-- Each entry's hash covers its fields and the previous entry's hash (activity::chain).
-- Entries written before this migration have neither: they predate the chain.
ALTER TABLE activity_log ADD COLUMN prev_hash TEXT;
ALTER TABLE activity_log ADD COLUMN hash TEXT;

-- The chain's head, one row: appends lock it (ids are taken from it, so they have no gaps),
-- Verify compares the last entry against it (so entries cut off the end are noticed), and the
-- retention job records here what it deleted (the anchor: the last deleted entry's id and
-- hash, which the first remaining entry points to). `retention_running` is 1 only inside the
-- retention job's own transaction: the one time a DELETE is allowed.
CREATE TABLE activity_chain (
    id                BIGINT PRIMARY KEY CHECK (id = 1),
    last_id           BIGINT NOT NULL,
    last_hash         TEXT NOT NULL,
    first_chained_id  BIGINT NOT NULL,
    anchor_id         BIGINT NOT NULL DEFAULT 0,
    anchor_hash       TEXT NOT NULL DEFAULT '',
    retention_running BIGINT NOT NULL DEFAULT 0
);
INSERT INTO activity_chain (id, last_id, last_hash, first_chained_id)
    SELECT 1, COALESCE(MAX(id), 0), '', COALESCE(MAX(id), 0) + 1 FROM activity_log;

CREATE FUNCTION activity_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND (SELECT retention_running FROM activity_chain WHERE id = 1) = 1 THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'activity_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER activity_log_append_only_update BEFORE UPDATE ON activity_log
    FOR EACH ROW EXECUTE FUNCTION activity_log_append_only();
CREATE TRIGGER activity_log_append_only_delete BEFORE DELETE ON activity_log
    FOR EACH ROW EXECUTE FUNCTION activity_log_append_only();
CREATE TRIGGER activity_log_append_only_truncate BEFORE TRUNCATE ON activity_log
    FOR EACH STATEMENT EXECUTE FUNCTION activity_log_append_only();
CREATE FUNCTION activity_chain_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'activity_chain cannot be deleted' USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER activity_chain_kept BEFORE DELETE OR TRUNCATE ON activity_chain
    FOR EACH STATEMENT EXECUTE FUNCTION activity_chain_kept();
