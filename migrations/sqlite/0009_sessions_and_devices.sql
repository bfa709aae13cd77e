-- Sessions and sign-in management: browsers an account has signed in from, the account's
-- sign-in history, and the last attempt of a limit window (for the growing per-email delay).

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

-- When the window's last attempt came: the per-email limit slows guesses down (a growing
-- delay between attempts) instead of locking the account.
ALTER TABLE attempt_limits ADD COLUMN last_hit_at BIGINT NOT NULL DEFAULT 0;
