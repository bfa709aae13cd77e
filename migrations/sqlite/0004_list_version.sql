-- A version of the users lists' order: bumped by every change that can move a user within a
-- tab (a user added, removed, enabled or disabled, renamed, or given another email). The
-- server's page index (users/page_index.rs) is valid only for the version it was built at.
CREATE TABLE users_list_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    v  INTEGER NOT NULL
);
INSERT INTO users_list_version (id, v) VALUES (1, 0);

CREATE TRIGGER users_list_version_ai AFTER INSERT ON users BEGIN
    UPDATE users_list_version SET v = v + 1 WHERE id = 1;
END;
CREATE TRIGGER users_list_version_ad AFTER DELETE ON users BEGIN
    UPDATE users_list_version SET v = v + 1 WHERE id = 1;
END;
CREATE TRIGGER users_list_version_au AFTER UPDATE OF status, first_name, last_name, email ON users BEGIN
    UPDATE users_list_version SET v = v + 1 WHERE id = 1;
END;
