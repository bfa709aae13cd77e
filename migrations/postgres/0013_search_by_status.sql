-- Substring search, one trigram index per tab (status), each updated in place rather than through
-- GIN's pending list (which every search had to read until autovacuum merged it). A search
-- counts a tab's matches through its own index, and its page comes from the matches when they
-- are few; the index over all users is no longer used.
CREATE INDEX users_search_active ON users USING gin (search_text gin_trgm_ops)
    WITH (fastupdate = off) WHERE status = 'active';
CREATE INDEX users_search_disabled ON users USING gin (search_text gin_trgm_ops)
    WITH (fastupdate = off) WHERE status = 'disabled';
DROP INDEX users_search_trgm;
