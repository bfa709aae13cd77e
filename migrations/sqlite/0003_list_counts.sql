-- The users list at 100,000 users (see app/src/users/store.rs).

-- Tab counts without a search: one row per status, kept exact by triggers, so a page load
-- reads two rows instead of counting the users index (3.4 ms at 100k users).
CREATE TABLE user_counts (
    status TEXT PRIMARY KEY,
    n      BIGINT NOT NULL
);
INSERT INTO user_counts (status, n) VALUES ('active', 0), ('disabled', 0);
UPDATE user_counts SET n = (SELECT COUNT(*) FROM users WHERE users.status = user_counts.status);

CREATE TRIGGER user_counts_ai AFTER INSERT ON users BEGIN
    UPDATE user_counts SET n = n + 1 WHERE status = new.status;
END;
CREATE TRIGGER user_counts_ad AFTER DELETE ON users BEGIN
    UPDATE user_counts SET n = n - 1 WHERE status = old.status;
END;
CREATE TRIGGER user_counts_au AFTER UPDATE OF status ON users WHEN old.status <> new.status BEGIN
    UPDATE user_counts SET n = n - 1 WHERE status = old.status;
    UPDATE user_counts SET n = n + 1 WHERE status = new.status;
END;

-- Tab counts with a search: a second trigram index holding only the disabled users. Both
-- counts then come from the indexes alone (no users row read): disabled = matches here,
-- active = matches in users_search minus those. Contentless: rows are removed with their old
-- values, as the triggers below do.
CREATE VIRTUAL TABLE users_search_disabled USING fts5(
    first_name, last_name, email, content='', tokenize='trigram'
);
INSERT INTO users_search_disabled (rowid, first_name, last_name, email)
    SELECT id, first_name, last_name, email FROM users WHERE status = 'disabled';

CREATE TRIGGER users_search_disabled_ai AFTER INSERT ON users WHEN new.status = 'disabled' BEGIN
    INSERT INTO users_search_disabled (rowid, first_name, last_name, email)
    VALUES (new.id, new.first_name, new.last_name, new.email);
END;
CREATE TRIGGER users_search_disabled_ad AFTER DELETE ON users WHEN old.status = 'disabled' BEGIN
    INSERT INTO users_search_disabled (users_search_disabled, rowid, first_name, last_name, email)
    VALUES ('delete', old.id, old.first_name, old.last_name, old.email);
END;
CREATE TRIGGER users_search_disabled_au_old AFTER UPDATE OF status, first_name, last_name, email ON users
WHEN old.status = 'disabled' BEGIN
    INSERT INTO users_search_disabled (users_search_disabled, rowid, first_name, last_name, email)
    VALUES ('delete', old.id, old.first_name, old.last_name, old.email);
END;
CREATE TRIGGER users_search_disabled_au_new AFTER UPDATE OF status, first_name, last_name, email ON users
WHEN new.status = 'disabled' BEGIN
    INSERT INTO users_search_disabled (rowid, first_name, last_name, email)
    VALUES (new.id, new.first_name, new.last_name, new.email);
END;

-- Sorting by email within a tab, and seeking from a cursor, along an index.
CREATE INDEX users_status_email ON users (status, email, id);
