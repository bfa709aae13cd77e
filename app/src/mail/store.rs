//! (ssr) SQL for the mailer configuration (one row) and the outbox.

use crate::db::Backend;
use sqlx::{Any, Executor, FromRow, Row};

/// The saved configuration; `secret_enc` is sealed with the instance key.
#[derive(Clone, Debug, PartialEq, FromRow, serde::Serialize, serde::Deserialize)]
pub struct ConfigRow {
    pub kind: String,
    pub sender_address: String,
    pub sender_name: String,
    pub host: String,
    pub port: i64,
    pub security: String,
    pub username: String,
    pub secret_enc: Option<String>,
    pub aws_region: String,
    pub aws_access_key: String,
    pub endpoint_url: String,
    pub updated_at: i64,
}

pub async fn load_config<'c, E: Executor<'c, Database = Any>>(exec: E) -> Result<Option<ConfigRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT kind, sender_address, sender_name, host, port, security, username, secret_enc, \
         aws_region, aws_access_key, endpoint_url, updated_at FROM email_config WHERE id = 1",
    )
    .fetch_optional(exec)
    .await
}

pub async fn save_config<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    row: &ConfigRow,
    updated_by: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO email_config (id, kind, sender_address, sender_name, host, port, security, username, \
         secret_enc, aws_region, aws_access_key, endpoint_url, updated_at, updated_by) \
         VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
         ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, sender_address = excluded.sender_address, \
         sender_name = excluded.sender_name, host = excluded.host, port = excluded.port, \
         security = excluded.security, username = excluded.username, secret_enc = excluded.secret_enc, \
         aws_region = excluded.aws_region, aws_access_key = excluded.aws_access_key, \
         endpoint_url = excluded.endpoint_url, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    )
    .bind(&row.kind)
    .bind(&row.sender_address)
    .bind(&row.sender_name)
    .bind(&row.host)
    .bind(row.port)
    .bind(&row.security)
    .bind(&row.username)
    .bind(&row.secret_enc)
    .bind(&row.aws_region)
    .bind(&row.aws_access_key)
    .bind(&row.endpoint_url)
    .bind(row.updated_at)
    .bind(updated_by)
    .execute(exec)
    .await?;
    Ok(())
}

pub async fn has_config<'c, E: Executor<'c, Database = Any>>(exec: E) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query("SELECT COUNT(*) FROM email_config")
        .fetch_one(exec)
        .await?
        .try_get(0)?;
    Ok(n > 0)
}

pub struct NewEmail<'a> {
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body_text: &'a str,
    pub body_html: &'a str,
    /// The link the bodies' placeholder stands for, sealed.
    pub link_enc: Option<&'a str>,
    /// The mailer configuration to send through instead of the current one, sealed.
    pub via_config_enc: Option<&'a str>,
    pub now: i64,
    pub give_up_at: i64,
}

pub async fn enqueue<'c, E: Executor<'c, Database = Any>>(exec: E, email: &NewEmail<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query(
        "INSERT INTO outbox (channel, recipient, subject, body_text, body_html, link_enc, via_config_enc, status, \
         attempts, next_attempt_at, locked_until, created_at, give_up_at) \
         VALUES ('email', $1, $2, $3, $4, $5, $6, 'queued', 0, $7, 0, $7, $8) RETURNING id",
    )
    .bind(email.recipient)
    .bind(email.subject)
    .bind(email.body_text)
    .bind(email.body_html)
    .bind(email.link_enc)
    .bind(email.via_config_enc)
    .bind(email.now)
    .bind(email.give_up_at)
    .fetch_one(exec)
    .await?
    .try_get(0)
}

#[derive(Clone, Debug, FromRow)]
pub struct OutboxRow {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub link_enc: Option<String>,
    pub via_config_enc: Option<String>,
    pub attempts: i64,
    pub give_up_at: i64,
    pub created_at: i64,
}

/// Claims up to `limit` queued emails whose time has come and that no live claim holds, for
/// the worker holding `token` until `lease_until`. On PostgreSQL, rows another worker is
/// claiming at this moment are skipped rather than waited for (`SKIP LOCKED`); SQLite has one
/// writer, so the statement is atomic there as it stands.
pub async fn claim_due<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    backend: Backend,
    token: &str,
    now: i64,
    lease_until: i64,
    limit: i64,
) -> Result<Vec<OutboxRow>, sqlx::Error> {
    let skip_locked = backend.skip_locked("outbox");
    let sql = format!(
        "UPDATE outbox SET locked_until = $1, claim_token = $2 WHERE id IN (\
         SELECT id FROM outbox WHERE status = 'queued' AND channel = 'email' AND next_attempt_at <= $3 \
         AND locked_until <= $3 ORDER BY next_attempt_at, id LIMIT $4{skip_locked}) \
         RETURNING id, recipient, subject, body_text, body_html, link_enc, via_config_enc, attempts, \
         give_up_at, created_at"
    );
    let mut rows: Vec<OutboxRow> = sqlx::query_as(&sql)
        .bind(lease_until)
        .bind(token)
        .bind(now)
        .bind(limit)
        .fetch_all(exec)
        .await?;
    rows.sort_by_key(|row| row.id);
    Ok(rows)
}

/// Records that the email went out. False when the claim was lost (the lease ran out and
/// another worker holds the row now): nothing is written then.
pub async fn mark_sent<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    id: i64,
    token: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE outbox SET status = 'sent', sent_at = $1, attempts = attempts + 1, locked_until = 0, \
         claim_token = NULL, last_error = NULL, link_enc = NULL, via_config_enc = NULL \
         WHERE id = $2 AND claim_token = $3",
    )
    .bind(now)
    .bind(id)
    .bind(token)
    .execute(exec)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records a failed attempt: another try at `next_attempt_at`, or `failed` when `give_up`.
/// False when the claim was lost, as for [`mark_sent`].
pub async fn mark_attempt_failed<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    id: i64,
    token: &str,
    error: &str,
    next_attempt_at: i64,
    give_up: bool,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE outbox SET status = $1, attempts = attempts + 1, last_error = $2, next_attempt_at = $3, \
         locked_until = 0, claim_token = NULL, link_enc = CASE WHEN $1 = 'failed' THEN NULL ELSE link_enc END \
         WHERE id = $4 AND claim_token = $5",
    )
    .bind(if give_up { "failed" } else { "queued" })
    .bind(error)
    .bind(next_attempt_at)
    .bind(id)
    .bind(token)
    .execute(exec)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Gives back the emails a worker claimed and has not finished (it is shutting down), so
/// another worker sends them at once instead of after the lease.
pub async fn release<'c, E: Executor<'c, Database = Any>>(exec: E, token: &str) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE outbox SET locked_until = 0, claim_token = NULL WHERE claim_token = $1 AND status = 'queued'",
    )
    .bind(token)
    .execute(exec)
    .await?
    .rows_affected())
}

/// Emails that waited past their deadline without a mailer ever being configured.
pub async fn expire_unsendable<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    now: i64,
    reason: &str,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE outbox SET status = 'failed', last_error = $1, link_enc = NULL \
             WHERE status = 'queued' AND give_up_at <= $2",
    )
    .bind(reason)
    .bind(now)
    .execute(exec)
    .await?
    .rows_affected())
}

#[derive(Clone, Debug, FromRow)]
pub struct DeliveryRow {
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub sent_at: Option<i64>,
}

pub async fn delivery<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    id: i64,
) -> Result<Option<DeliveryRow>, sqlx::Error> {
    sqlx::query_as("SELECT status, attempts, last_error, sent_at FROM outbox WHERE id = $1")
        .bind(id)
        .fetch_optional(exec)
        .await
}

/// How many emails are in each state, for `/metrics`: `queued`, `sent`, `failed`.
pub async fn depth_by_state<'c, E: Executor<'c, Database = Any>>(exec: E) -> Result<Vec<(String, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT status, COUNT(*) FROM outbox GROUP BY status")
        .fetch_all(exec)
        .await
}
