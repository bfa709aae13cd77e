-- Roster schema, SQLite flavour. The PostgreSQL file beside this one holds the same tables;
-- keep the two in step. Times are unix seconds (BIGINT) so one query text serves both backends.

-- One row, inserted by the first registration: its primary key makes a second registration
-- fail in the database, whatever races happen above it.
CREATE TABLE instance_setup (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    completed_at  BIGINT NOT NULL,
    first_user_id BIGINT
);

CREATE TABLE users (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    email           TEXT NOT NULL UNIQUE,            -- stored trimmed and lower-cased
    first_name      TEXT NOT NULL,
    last_name       TEXT NOT NULL,
    password_hash   TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('global_admin','admin','analyst','read_only','api_developer')),
    status          TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','disabled')),
    totp_secret_enc TEXT,                            -- encrypted with the instance secret key
    totp_enabled_at BIGINT,
    invited_by      BIGINT REFERENCES users(id) ON DELETE SET NULL,
    last_login_at   BIGINT,
    disabled_at     BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX users_status_name ON users (status, last_name, first_name, id);
CREATE INDEX users_status_created ON users (status, created_at, id);
CREATE INDEX users_role_status ON users (role, status);

-- Substring search over names and email (trigram FTS keeps it indexed at 100k+ users).
CREATE VIRTUAL TABLE users_search USING fts5(
    first_name, last_name, email, content='users', content_rowid='id', tokenize='trigram'
);
CREATE TRIGGER users_search_ai AFTER INSERT ON users BEGIN
    INSERT INTO users_search(rowid, first_name, last_name, email)
    VALUES (new.id, new.first_name, new.last_name, new.email);
END;
CREATE TRIGGER users_search_ad AFTER DELETE ON users BEGIN
    INSERT INTO users_search(users_search, rowid, first_name, last_name, email)
    VALUES ('delete', old.id, old.first_name, old.last_name, old.email);
END;
CREATE TRIGGER users_search_au AFTER UPDATE OF first_name, last_name, email ON users BEGIN
    INSERT INTO users_search(users_search, rowid, first_name, last_name, email)
    VALUES ('delete', old.id, old.first_name, old.last_name, old.email);
    INSERT INTO users_search(rowid, first_name, last_name, email)
    VALUES (new.id, new.first_name, new.last_name, new.email);
END;

CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash   TEXT NOT NULL UNIQUE,               -- sha256 of the cookie value
    user_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,                    -- absolute limit
    ip           TEXT,
    user_agent   TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE groups (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL UNIQUE,                -- lower-cased name
    description TEXT NOT NULL DEFAULT '',
    role        TEXT NOT NULL CHECK (role IN ('global_admin','admin','analyst','read_only','api_developer')),
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE group_members (
    group_id BIGINT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    user_id  BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    added_at BIGINT NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members (user_id);

CREATE TABLE invites (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    email           TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('global_admin','admin','analyst','read_only','api_developer')),
    first_name      TEXT NOT NULL DEFAULT '',
    last_name       TEXT NOT NULL DEFAULT '',
    token_hash      TEXT NOT NULL UNIQUE,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','used','revoked')),
    invited_by      BIGINT REFERENCES users(id) ON DELETE SET NULL,
    invited_by_name TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    used_at         BIGINT,
    revoked_at      BIGINT,
    user_id         BIGINT REFERENCES users(id) ON DELETE SET NULL,
    outbox_id       BIGINT
);
-- At most one live invitation per email: a new one must revoke the old in the same transaction.
CREATE UNIQUE INDEX invites_one_pending ON invites (email) WHERE status = 'pending';
CREATE INDEX invites_status_created ON invites (status, created_at, id);

CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE email_config (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    kind           TEXT NOT NULL CHECK (kind IN ('google_smtp','smtp','aws_ses')),
    sender_address TEXT NOT NULL,
    sender_name    TEXT NOT NULL DEFAULT '',
    host           TEXT NOT NULL DEFAULT '',
    port           BIGINT NOT NULL DEFAULT 0,
    security       TEXT NOT NULL DEFAULT 'tls' CHECK (security IN ('tls','starttls','none')),
    username       TEXT NOT NULL DEFAULT '',
    secret_enc     TEXT,                             -- SMTP password or AWS secret key, encrypted
    aws_region     TEXT NOT NULL DEFAULT '',
    aws_access_key TEXT NOT NULL DEFAULT '',
    endpoint_url   TEXT NOT NULL DEFAULT '',
    updated_at     BIGINT NOT NULL,
    updated_by     BIGINT REFERENCES users(id) ON DELETE SET NULL
);

-- Everything that leaves Roster (email, Slack) is written here in the transaction that causes it.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    channel         TEXT NOT NULL CHECK (channel IN ('email','slack')),
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL DEFAULT '',
    body_text       TEXT NOT NULL DEFAULT '',
    body_html       TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued','sent','failed')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    locked_until    BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT,
    give_up_at      BIGINT NOT NULL
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

-- "User added" and similar notifications.
CREATE TABLE triggers (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    event      TEXT NOT NULL CHECK (event IN ('user_added')),
    channel    TEXT NOT NULL CHECK (channel IN ('email','slack')),
    target     TEXT NOT NULL,                        -- email address or Slack webhook URL
    enabled    BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    created_by BIGINT REFERENCES users(id) ON DELETE SET NULL
);

-- The audit trail: names are copied so entries survive deletion of the actor or the object.
CREATE TABLE activity_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          BIGINT NOT NULL,
    actor_id    BIGINT,
    actor_name  TEXT NOT NULL DEFAULT '',
    actor_email TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL DEFAULT '',
    object_id   BIGINT,
    object_name TEXT NOT NULL DEFAULT '',
    outcome     TEXT NOT NULL CHECK (outcome IN ('success','failure')),
    ip          TEXT NOT NULL DEFAULT '',
    user_agent  TEXT NOT NULL DEFAULT '',
    details     TEXT NOT NULL DEFAULT '{}'           -- JSON: before/after values, reasons
);
CREATE INDEX activity_log_at ON activity_log (at, id);
CREATE INDEX activity_log_actor ON activity_log (actor_id, at);

CREATE TABLE login_attempts (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      BIGINT NOT NULL,
    email   TEXT NOT NULL,
    ip      TEXT NOT NULL DEFAULT '',
    success BIGINT NOT NULL
);
CREATE INDEX login_attempts_email_at ON login_attempts (email, at);
CREATE INDEX login_attempts_ip_at ON login_attempts (ip, at);
