-- Substring search reads a stored, lower-cased copy of what it searches, and the three sort
-- indexes of the users list carry it: a search that walks a sort's index tests LIKE on the
-- index entry alone (an index-only scan), and the trigram index's recheck reads a column
-- instead of lower-casing three concatenated ones for every candidate row. At 100,000 users,
-- page 1 of a search matching 5% of them: 3.9 -> 0.25 ms; its counts: 13.6 -> 8 ms.
ALTER TABLE users ADD COLUMN search_text TEXT
    GENERATED ALWAYS AS (lower(first_name || ' ' || last_name || ' ' || email)) STORED;
DROP INDEX users_search_trgm;
CREATE INDEX users_search_trgm ON users USING gin (search_text gin_trgm_ops);
DROP INDEX users_status_name;
CREATE INDEX users_status_name ON users (status, last_name, first_name, id) INCLUDE (search_text);
DROP INDEX users_status_email;
CREATE INDEX users_status_email ON users (status, email, id) INCLUDE (search_text);
DROP INDEX users_status_created;
CREATE INDEX users_status_created ON users (status, created_at, id) INCLUDE (search_text);
