-- A version of the users lists' order: bumped by every statement that can move a user within
-- a tab (users added, removed, enabled or disabled, renamed, or given another email). The
-- server's page index (users/page_index.rs) is valid only for the version it was built at.
CREATE TABLE users_list_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    v  BIGINT NOT NULL
);
INSERT INTO users_list_version (id, v) VALUES (1, 0);

CREATE FUNCTION users_list_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE users_list_version SET v = v + 1 WHERE id = 1;
    RETURN NULL;
END;
$$;

CREATE TRIGGER users_list_version_insert AFTER INSERT ON users
    FOR EACH STATEMENT EXECUTE FUNCTION users_list_version_bump();
CREATE TRIGGER users_list_version_delete AFTER DELETE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION users_list_version_bump();
CREATE TRIGGER users_list_version_update AFTER UPDATE OF status, first_name, last_name, email ON users
    FOR EACH STATEMENT EXECUTE FUNCTION users_list_version_bump();
