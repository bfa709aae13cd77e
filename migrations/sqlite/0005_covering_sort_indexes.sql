-- The three sort indexes of the users list also carry the searched columns (first name, last
-- name, email), so a search that walks a sort's index tests each row on the index entry alone
-- (LIKE on the columns) instead of building the FTS match set for every page: at 100,000 users,
-- page 1 of a search matching 5% of them drops from ~1.1 ms to ~0.3 ms. Seeks and the page
-- index use the leading columns, as before.
DROP INDEX users_status_name;
CREATE INDEX users_status_name ON users (status, last_name, first_name, id, email);
DROP INDEX users_status_email;
CREATE INDEX users_status_email ON users (status, email, id, first_name, last_name);
DROP INDEX users_status_created;
CREATE INDEX users_status_created ON users (status, created_at, id, first_name, last_name, email);
