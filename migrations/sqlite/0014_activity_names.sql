-- The activity log's substring filters (actor, object) without walking the log. Every distinct
-- actor name, actor email and object name, and the email of each user an entry is about, is
-- kept once in `activity_names`, searchable by trigrams; a filter finds its few matching values
-- there and reads each one's entries newest first from an index (activity::names).
-- A trigger fills it, so entries written by any statement (the bench's SQL seed too) are found.
CREATE TABLE activity_names (
    id        INTEGER PRIMARY KEY,
    field     TEXT NOT NULL,              -- actor_name, actor_email, object_name, object_email
    value     TEXT NOT NULL,
    object_id BIGINT NOT NULL DEFAULT 0,  -- object_email: the user's id
    UNIQUE (field, value, object_id)
);
CREATE VIRTUAL TABLE activity_names_search USING fts5(value, content='', tokenize='trigram');
CREATE TRIGGER activity_names_ai AFTER INSERT ON activity_names BEGIN
    INSERT INTO activity_names_search (rowid, value) VALUES (new.id, new.value);
END;
CREATE TRIGGER activity_log_names_ai AFTER INSERT ON activity_log BEGIN
    INSERT OR IGNORE INTO activity_names (field, value) SELECT 'actor_name', new.actor_name WHERE new.actor_name <> '';
    INSERT OR IGNORE INTO activity_names (field, value) SELECT 'actor_email', new.actor_email WHERE new.actor_email <> '';
    INSERT OR IGNORE INTO activity_names (field, value) SELECT 'object_name', new.object_name WHERE new.object_name <> '';
    INSERT OR IGNORE INTO activity_names (field, value, object_id)
        SELECT 'object_email', email, id FROM users WHERE new.object_type = 'user' AND id = new.object_id;
END;

INSERT OR IGNORE INTO activity_names (field, value) SELECT DISTINCT 'actor_name', actor_name FROM activity_log WHERE actor_name <> '';
INSERT OR IGNORE INTO activity_names (field, value) SELECT DISTINCT 'actor_email', actor_email FROM activity_log WHERE actor_email <> '';
INSERT OR IGNORE INTO activity_names (field, value) SELECT DISTINCT 'object_name', object_name FROM activity_log WHERE object_name <> '';
INSERT OR IGNORE INTO activity_names (field, value, object_id)
    SELECT DISTINCT 'object_email', u.email, u.id FROM users u
    WHERE u.id IN (SELECT object_id FROM activity_log WHERE object_type = 'user');

-- Each matching value's entries, newest first (actor_email's exists since 0010).
CREATE INDEX activity_log_actor_name_at ON activity_log (actor_name, at, id);
CREATE INDEX activity_log_object_name_at ON activity_log (object_name, at, id);
CREATE INDEX activity_log_object_at ON activity_log (object_type, object_id, at, id);
