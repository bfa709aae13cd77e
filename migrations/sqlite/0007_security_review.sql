-- Fixes from the outside security review.

-- Sign-in limits: one row per email, per client address and per admin's test sends, counting
-- attempts in a fixed window. An attempt is reserved here (one atomic upsert) before any
-- password is hashed, so N parallel requests consume N attempts; a correct password gives its
-- reservation back. Rows whose window has passed are deleted (with a summary of refusals in
-- the activity log), so the table holds only what is live. It replaces login_attempts, which
-- kept a row for every attempt forever.
CREATE TABLE attempt_limits (
    scope        TEXT NOT NULL,                      -- 'email', 'ip', 'mail_test'
    key          TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    hits         BIGINT NOT NULL,                    -- attempts in the window, refused ones too
    PRIMARY KEY (scope, key)
);
CREATE INDEX attempt_limits_window ON attempt_limits (window_start);
DROP TABLE login_attempts;

-- A queued email's link (an invitation, later a password reset) is kept out of its bodies:
-- they hold a placeholder, and the link is sealed with the instance key, put in at send time
-- and dropped once the email is sent or given up on.
ALTER TABLE outbox ADD COLUMN link_enc TEXT;
-- A notice that must go through the mailer as it was before a change (the change itself is
-- what it reports): that configuration, sealed.
ALTER TABLE outbox ADD COLUMN via_config_enc TEXT;

-- Why an invitation was revoked by Roster rather than by an admin (its sender lost the right
-- to send it), shown on the Pending tab.
ALTER TABLE invites ADD COLUMN revoked_reason TEXT;
