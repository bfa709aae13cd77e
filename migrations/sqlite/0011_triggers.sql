-- Triggers and integrations (Settings → Triggers, Settings → Integrations), and the durable
-- queue of their webhook and Slack deliveries. 0001's `triggers` table was never used and
-- its CHECKs fit none of this: it stays (expand only) and these tables take other names.

-- Where notifications go. Secrets (the Slack URL, the webhook's custom headers and signing
-- secrets) are sealed with the instance key (crate::crypto::seal).
CREATE TABLE integrations (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    kind             TEXT NOT NULL CHECK (kind IN ('email','slack','webhook')),
    name             TEXT NOT NULL,
    emails           TEXT NOT NULL DEFAULT '',       -- email: addresses, comma-separated
    url              TEXT NOT NULL DEFAULT '',       -- webhook: the URL (Slack's is secret: url_enc)
    url_enc          TEXT,
    method           TEXT NOT NULL DEFAULT 'POST' CHECK (method IN ('POST','PUT')),
    headers_enc      TEXT,                           -- webhook: custom headers as JSON, sealed
    secret_enc       TEXT,                           -- webhook: the signing secret, sealed
    old_secret_enc   TEXT,                           -- the previous secret during a rotation
    old_secret_until BIGINT,
    status           TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','paused')),
    failing_since    BIGINT,                         -- start of an unbroken run of failures
    created_by       BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);

-- A team member's trigger: a condition (triggers::Condition code), the roles it is limited to
-- (codes, comma-separated; empty: any role) and its reactions.
CREATE TABLE trigger_rules (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL,
    condition  TEXT NOT NULL,
    roles      TEXT NOT NULL DEFAULT '',
    enabled    BIGINT NOT NULL DEFAULT 1,
    owner_id   BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
CREATE INDEX trigger_rules_condition ON trigger_rules (condition, enabled);

CREATE TABLE trigger_reactions (
    trigger_id     BIGINT NOT NULL REFERENCES trigger_rules(id) ON DELETE CASCADE,
    integration_id BIGINT NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
    PRIMARY KEY (trigger_id, integration_id)
);
CREATE INDEX trigger_reactions_integration ON trigger_reactions (integration_id);

-- One notification to one integration, written in the transaction of the event. A worker
-- claims due rows with a random token (claim_token, claimed_until) and every result
-- statement checks it, so a worker whose claim lapsed cannot overwrite another's result.
CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    integration_id  BIGINT NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
    trigger_id      BIGINT REFERENCES trigger_rules(id) ON DELETE SET NULL,
    event_id        TEXT NOT NULL,                   -- Roster-Event-Id (the same on a redelivery)
    event_type      TEXT NOT NULL,
    body            TEXT NOT NULL,                   -- the webhook's JSON body
    status          TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued','delivered','failed')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    claim_token     TEXT,
    claimed_until   BIGINT NOT NULL DEFAULT 0,
    status_code     BIGINT,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    last_attempt_at BIGINT,
    give_up_at      BIGINT NOT NULL
);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX deliveries_integration ON deliveries (integration_id, id);
