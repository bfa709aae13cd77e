-- Each claim of an outbox row carries a token; a worker's result is written only while its
-- token is still the row's, so a worker that overran its lease cannot overwrite the result of
-- the one that claimed the row after it.
ALTER TABLE outbox ADD COLUMN claim_token TEXT;
CREATE INDEX outbox_claimed ON outbox (claim_token) WHERE claim_token IS NOT NULL;
