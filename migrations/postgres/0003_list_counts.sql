-- The users list at 100,000 users (see app/src/users/store.rs).

-- Tab counts without a search: one row per status, kept exact by a trigger, so a page load
-- reads two rows instead of counting the users index.
CREATE TABLE user_counts (
    status TEXT PRIMARY KEY,
    n      BIGINT NOT NULL
);
INSERT INTO user_counts (status, n)
SELECT s.status, (SELECT COUNT(*) FROM users u WHERE u.status = s.status)
FROM (VALUES ('active'), ('disabled')) AS s (status);

-- Statement-level triggers with transition tables: a bulk insert of 100,000 users updates each
-- counter once (row-level triggers updating one row 100,000 times in a transaction turned a
-- 5 s seed into 80 s). Updates that leave every status as it was write nothing.
CREATE FUNCTION user_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE user_counts c SET n = c.n + d.delta
        FROM (SELECT status, COUNT(*) AS delta FROM new_rows GROUP BY status) d
        WHERE c.status = d.status;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE user_counts c SET n = c.n - d.delta
        FROM (SELECT status, COUNT(*) AS delta FROM old_rows GROUP BY status) d
        WHERE c.status = d.status;
    ELSE
        UPDATE user_counts c SET n = c.n + d.delta
        FROM (
            SELECT status, SUM(delta) AS delta
            FROM (SELECT status, 1 AS delta FROM new_rows
                  UNION ALL SELECT status, -1 FROM old_rows) changes
            GROUP BY status
            HAVING SUM(delta) <> 0
        ) d
        WHERE c.status = d.status;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER user_counts_insert AFTER INSERT ON users
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION user_counts_follow();
CREATE TRIGGER user_counts_delete AFTER DELETE ON users
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION user_counts_follow();
-- (Transition tables do not go with a column list: every UPDATE of users runs it.)
CREATE TRIGGER user_counts_update AFTER UPDATE ON users
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION user_counts_follow();

-- Sorting by email within a tab, and seeking from a cursor, along an index.
CREATE INDEX users_status_email ON users (status, email, id);
