-- Two-factor authentication (TOTP and recovery codes), the sign-in step between a correct
-- password and a session, and password resets.

-- The last TOTP time step accepted for the user. A code for that step or an earlier one is
-- refused by the one statement that advances it, so two requests racing with one code cannot
-- both win.
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;
-- Set when an admin disables the 2FA of a user a 2FA policy applies to: they must enrol again
-- at their next sign-in, with no grace period.
ALTER TABLE users ADD COLUMN totp_must_enrol BIGINT NOT NULL DEFAULT 0;

-- A secret shown to the user but not yet confirmed with a code and their password.
CREATE TABLE totp_enrolments (
    user_id    BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    secret_enc TEXT NOT NULL,                        -- sealed with the instance key
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- One-time recovery codes, keyed hashes only; a new set replaces the old one.
CREATE TABLE recovery_codes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE UNIQUE INDEX recovery_codes_user_code ON recovery_codes (user_id, code_hash);

-- A correct password for an account with 2FA: bound to the browser by a cookie whose hash is
-- kept here, it grants nothing but the second step, and only for a few minutes.
CREATE TABLE sign_in_challenges (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT NOT NULL UNIQUE,
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    failures   BIGINT NOT NULL DEFAULT 0,
    ip         TEXT,
    user_agent TEXT
);
CREATE INDEX sign_in_challenges_expiry ON sign_in_challenges (expires_at);

-- A session that may only enrol in 2FA (a 2FA policy applies and its grace period is over).
ALTER TABLE sessions ADD COLUMN enrol_only BIGINT NOT NULL DEFAULT 0;

-- "Forgot password?" links: the token's hash, single use; a newer link cancels older ones.
CREATE TABLE password_resets (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash   TEXT NOT NULL UNIQUE,
    user_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    used_at      BIGINT,
    cancelled_at BIGINT
);
CREATE INDEX password_resets_user ON password_resets (user_id);
CREATE INDEX password_resets_expiry ON password_resets (expires_at);
