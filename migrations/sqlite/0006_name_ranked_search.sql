-- Search results in name order straight from the trigram index. The index's rowid becomes each
-- user's place in the list's name order (last name, first name, id): `name_rank`, spaced apart
-- so a new or renamed user fits between their neighbours. A search's page in name order is
-- then the index's first matching rowids, read in rowid order and stopped after a page, instead
-- of every match looked up and sorted.
--
-- The ranks live in a table of their own, kept by triggers: `users` stays the same on both
-- backends (PostgreSQL's trigram index needs no ranks) and no trigger rewrites the row it fired
-- for.
CREATE TABLE user_name_ranks (
    user_id   INTEGER PRIMARY KEY,
    name_rank INTEGER UNIQUE    -- NULL only while the user is being placed
);
INSERT INTO user_name_ranks (user_id, name_rank)
SELECT id, ROW_NUMBER() OVER (ORDER BY last_name, first_name, id) * 1099511627776 FROM users;
-- A user's neighbours in name order, whatever their status.
CREATE INDEX users_name_order ON users (last_name, first_name, id);

-- Set while every rank is renumbered (users_rank_renumber_au).
CREATE TABLE users_rank_renumber (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    pending INTEGER NOT NULL
);
INSERT INTO users_rank_renumber (id, pending) VALUES (1, 0);

DROP TRIGGER users_search_ai;
DROP TRIGGER users_search_ad;
DROP TRIGGER users_search_au;
DROP TABLE users_search;
-- Contentless: the triggers below hand it each user's values.
CREATE VIRTUAL TABLE users_search USING fts5(
    first_name, last_name, email, content='', tokenize='trigram'
);
INSERT INTO users_search (rowid, first_name, last_name, email)
SELECT r.name_rank, u.first_name, u.last_name, u.email FROM users u JOIN user_name_ranks r ON r.user_id = u.id;

-- No room left between two neighbours: every user gets a fresh, evenly spaced rank (through a
-- range no rank uses, so the unique index never sees two alike) and the index is refilled.
-- Rare: a new rank takes 1/64 of its gap, on the side of the newer neighbour, so runs of users
-- added in name order, in reverse, or with one name leave most of the gap free.
CREATE TRIGGER users_rank_renumber_au AFTER UPDATE OF pending ON users_rank_renumber WHEN new.pending = 1 BEGIN
    UPDATE user_name_ranks SET name_rank = -9223372036854775807 + user_id;
    UPDATE user_name_ranks SET name_rank = ranked.n * 1099511627776
    FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY last_name, first_name, id) AS n FROM users) AS ranked
    WHERE ranked.id = user_name_ranks.user_id;
    INSERT INTO users_search (users_search) VALUES ('delete-all');
    INSERT INTO users_search (rowid, first_name, last_name, email)
    SELECT r.name_rank, u.first_name, u.last_name, u.email FROM users u JOIN user_name_ranks r ON r.user_id = u.id;
END;

-- A user without a place (new, or renamed) gets one between their neighbours, and goes into
-- the search index under it.
CREATE TRIGGER user_name_ranks_ai AFTER INSERT ON user_name_ranks BEGIN
    UPDATE user_name_ranks SET name_rank = (
        SELECT CASE
            WHEN prev IS NULL AND next IS NULL THEN 0
            WHEN prev IS NULL THEN CASE WHEN next > -4611686018427387904 THEN next - 1099511627776 END
            WHEN next IS NULL THEN CASE WHEN prev < 4611686018427387904 THEN prev + 1099511627776 END
            WHEN next - prev < 2 THEN NULL
            WHEN (SELECT user_id FROM user_name_ranks WHERE name_rank = prev)
                 > (SELECT user_id FROM user_name_ranks WHERE name_rank = next)
                THEN prev + MAX(1, (next - prev) / 64)
            ELSE next - MAX(1, (next - prev) / 64)
        END
        -- The neighbours' ranks: the same names with a smaller (larger) id, else the same last
        -- name with an earlier (later) first name, else an earlier (later) last name. Three
        -- exact seeks on users_name_order each; one row-value comparison would seek on the last
        -- name only and then step through everyone who shares it.
        FROM (SELECT
            COALESCE(
                (SELECT r.name_rank FROM users u JOIN user_name_ranks r ON r.user_id = u.id
                 WHERE u.last_name = me.l AND u.first_name = me.f AND u.id < me.i ORDER BY u.id DESC LIMIT 1),
                (SELECT r.name_rank FROM users u JOIN user_name_ranks r ON r.user_id = u.id
                 WHERE u.last_name = me.l AND u.first_name < me.f ORDER BY u.first_name DESC, u.id DESC LIMIT 1),
                (SELECT r.name_rank FROM users u JOIN user_name_ranks r ON r.user_id = u.id
                 WHERE u.last_name < me.l ORDER BY u.last_name DESC, u.first_name DESC, u.id DESC LIMIT 1)
            ) AS prev,
            COALESCE(
                (SELECT r.name_rank FROM users u JOIN user_name_ranks r ON r.user_id = u.id
                 WHERE u.last_name = me.l AND u.first_name = me.f AND u.id > me.i ORDER BY u.id LIMIT 1),
                (SELECT r.name_rank FROM users u JOIN user_name_ranks r ON r.user_id = u.id
                 WHERE u.last_name = me.l AND u.first_name > me.f ORDER BY u.first_name, u.id LIMIT 1),
                (SELECT r.name_rank FROM users u JOIN user_name_ranks r ON r.user_id = u.id
                 WHERE u.last_name > me.l ORDER BY u.last_name, u.first_name, u.id LIMIT 1)
            ) AS next
            FROM (SELECT last_name AS l, first_name AS f, id AS i FROM users WHERE id = new.user_id) AS me)
    ) WHERE user_id = new.user_id;
    UPDATE users_rank_renumber SET pending = 1
    WHERE (SELECT name_rank FROM user_name_ranks WHERE user_id = new.user_id) IS NULL;
    -- After a renumbering the refilled index holds this user already.
    INSERT INTO users_search (rowid, first_name, last_name, email)
    SELECT r.name_rank, u.first_name, u.last_name, u.email FROM users u JOIN user_name_ranks r ON r.user_id = u.id
    WHERE u.id = new.user_id AND (SELECT pending FROM users_rank_renumber) = 0;
    UPDATE users_rank_renumber SET pending = 0 WHERE pending = 1;
END;

CREATE TRIGGER users_search_ai AFTER INSERT ON users BEGIN
    INSERT INTO user_name_ranks (user_id) VALUES (new.id);
END;
CREATE TRIGGER users_search_ad AFTER DELETE ON users BEGIN
    INSERT INTO users_search (users_search, rowid, first_name, last_name, email)
    SELECT 'delete', name_rank, old.first_name, old.last_name, old.email FROM user_name_ranks WHERE user_id = old.id;
    DELETE FROM user_name_ranks WHERE user_id = old.id;
END;
CREATE TRIGGER users_search_au AFTER UPDATE OF first_name, last_name, email ON users BEGIN
    INSERT INTO users_search (users_search, rowid, first_name, last_name, email)
    SELECT 'delete', name_rank, old.first_name, old.last_name, old.email FROM user_name_ranks WHERE user_id = old.id;
    -- Renamed: a new place (user_name_ranks_ai indexes the user there).
    DELETE FROM user_name_ranks
    WHERE user_id = new.id AND (new.first_name IS NOT old.first_name OR new.last_name IS NOT old.last_name);
    INSERT INTO user_name_ranks (user_id)
    SELECT new.id WHERE new.first_name IS NOT old.first_name OR new.last_name IS NOT old.last_name;
    -- Only the email changed: the same place.
    INSERT INTO users_search (rowid, first_name, last_name, email)
    SELECT name_rank, new.first_name, new.last_name, new.email FROM user_name_ranks
    WHERE user_id = new.id AND new.first_name IS old.first_name AND new.last_name IS old.last_name;
END;

-- The disabled users' index (0003) took a renamed disabled user out and back in with two
-- triggers, which SQLite runs in no promised order: inserted first, then removed with the old
-- values, the user was lost. One trigger, in order.
DROP TRIGGER users_search_disabled_au_old;
DROP TRIGGER users_search_disabled_au_new;
CREATE TRIGGER users_search_disabled_au AFTER UPDATE OF status, first_name, last_name, email ON users BEGIN
    INSERT INTO users_search_disabled (users_search_disabled, rowid, first_name, last_name, email)
    SELECT 'delete', old.id, old.first_name, old.last_name, old.email WHERE old.status = 'disabled';
    INSERT INTO users_search_disabled (rowid, first_name, last_name, email)
    SELECT new.id, new.first_name, new.last_name, new.email WHERE new.status = 'disabled';
END;
