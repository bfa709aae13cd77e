-- Sessions and sign-in management: browsers an account has signed in from, the account's
-- sign-in history, and what the growing per-email delay needs.

-- A browser that has signed in to an account: the hash of its long-lived device cookie. A
-- known device keeps its own sign-in budget while the account's email is under attack, and a
-- sign-in from an unknown one is reported to the account's owner by email.
CREATE TABLE known_devices (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    device_hash   TEXT NOT NULL,
    first_seen_at BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX known_devices_user_device ON known_devices (user_id, device_hash);
CREATE INDEX known_devices_last_seen ON known_devices (last_seen_at);

-- Each sign-in attempt on an existing account and its outcome (a code of
-- auth::SignInOutcome), kept 90 days. A limit's refusals write only the first of a window.
CREATE TABLE sign_in_history (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    at         BIGINT NOT NULL,
    outcome    TEXT NOT NULL,
    ip         TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sign_in_history_user_at ON sign_in_history (user_id, at);
CREATE INDEX sign_in_history_at ON sign_in_history (at);

-- The per-email limit slows guesses down (a growing delay between admitted attempts) instead
-- of locking the account: the earliest time the next attempt is admitted, which attempt was
-- admitted last (the one statement that counts an attempt marks it, so it alone knows it got
-- in), and how many were refused in the window (the first refusal is the one recorded).
ALTER TABLE attempt_limits ADD COLUMN next_attempt_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE attempt_limits ADD COLUMN admitted_by TEXT;
ALTER TABLE attempt_limits ADD COLUMN refusals BIGINT NOT NULL DEFAULT 0;
