-- The activity log's substring filters (actor, object) without walking the log. Every distinct
-- actor name, actor email and object name, and the email of each user an entry is about, is
-- kept once in `activity_names`, searchable by trigrams; a filter finds its few matching values
-- there and reads each one's entries newest first from an index (activity::names).
-- A trigger fills it, so entries written by any statement (the bench's SQL seed too) are found.
CREATE TABLE activity_names (
    id        BIGSERIAL PRIMARY KEY,
    field     TEXT NOT NULL,              -- actor_name, actor_email, object_name, object_email
    value     TEXT NOT NULL,
    object_id BIGINT NOT NULL DEFAULT 0,  -- object_email: the user's id
    UNIQUE (field, value, object_id)
);
CREATE INDEX activity_names_trgm ON activity_names USING gin (lower(value) gin_trgm_ops);

CREATE FUNCTION activity_log_names() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO activity_names (field, value)
        SELECT f, v FROM (VALUES ('actor_name', NEW.actor_name), ('actor_email', NEW.actor_email),
                                 ('object_name', NEW.object_name)) AS n(f, v)
        WHERE v <> ''
        ON CONFLICT DO NOTHING;
    IF NEW.object_type = 'user' AND NEW.object_id IS NOT NULL THEN
        INSERT INTO activity_names (field, value, object_id)
            SELECT 'object_email', email, id FROM users WHERE id = NEW.object_id
            ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER activity_log_names_ai AFTER INSERT ON activity_log
    FOR EACH ROW EXECUTE FUNCTION activity_log_names();

INSERT INTO activity_names (field, value)
    SELECT DISTINCT 'actor_name', actor_name FROM activity_log WHERE actor_name <> ''
    UNION SELECT DISTINCT 'actor_email', actor_email FROM activity_log WHERE actor_email <> ''
    UNION SELECT DISTINCT 'object_name', object_name FROM activity_log WHERE object_name <> ''
    ON CONFLICT DO NOTHING;
INSERT INTO activity_names (field, value, object_id)
    SELECT 'object_email', u.email, u.id FROM users u
    WHERE u.id IN (SELECT object_id FROM activity_log WHERE object_type = 'user')
    ON CONFLICT DO NOTHING;

-- Each matching value's entries, newest first (actor_email's exists since 0010).
CREATE INDEX activity_log_actor_name_at ON activity_log (actor_name, at, id);
CREATE INDEX activity_log_object_name_at ON activity_log (object_name, at, id);
CREATE INDEX activity_log_object_at ON activity_log (object_type, object_id, at, id);
