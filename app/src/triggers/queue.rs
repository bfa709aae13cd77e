//! (ssr) SQL for `deliveries`, the durable queue of trigger notifications. Rows are written in
//! the transaction of the event; workers (one per replica) claim due rows with a random token
//! and every result statement checks that token, so a worker whose claim lapsed (it hung past
//! the lease) cannot overwrite the result of the worker that took the row over.

use crate::db::Backend;
use crate::integrations::DeliveryInfo;
use sqlx::{Any, Executor, FromRow, Row};

pub struct NewDelivery<'a> {
    pub integration_id: i64,
    pub trigger_id: Option<i64>,
    pub event_id: &'a str,
    pub event_type: &'a str,
    pub body: &'a str,
    pub now: i64,
    pub give_up_at: i64,
}

pub async fn insert<'c, E: Executor<'c, Database = Any>>(exec: E, new: &NewDelivery<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query(
        "INSERT INTO deliveries (integration_id, trigger_id, event_id, event_type, body, status, attempts, \
         next_attempt_at, claimed_until, created_at, give_up_at) \
         VALUES ($1, $2, $3, $4, $5, 'queued', 0, $6, 0, $6, $7) RETURNING id",
    )
    .bind(new.integration_id)
    .bind(new.trigger_id)
    .bind(new.event_id)
    .bind(new.event_type)
    .bind(new.body)
    .bind(new.now)
    .bind(new.give_up_at)
    .fetch_one(exec)
    .await?
    .try_get(0)
}

#[derive(Clone, Debug, FromRow)]
pub struct Claimed {
    pub id: i64,
    pub integration_id: i64,
    pub event_id: String,
    pub event_type: String,
    pub body: String,
    pub attempts: i64,
    pub give_up_at: i64,
}

/// Claims up to `limit` due rows of active integrations for `lease` seconds under `token`.
/// Self-contained (one statement, then a read by token) so it can become a helper shared with
/// the mail outbox.
pub async fn claim(
    pool: &sqlx::AnyPool,
    backend: Backend,
    token: &str,
    now: i64,
    lease: i64,
    limit: i64,
) -> Result<Vec<Claimed>, sqlx::Error> {
    let lock = backend.skip_locked("d");
    let sql = format!(
        "UPDATE deliveries SET claim_token = $1, claimed_until = $2 WHERE id IN (\
         SELECT d.id FROM deliveries d JOIN integrations i ON i.id = d.integration_id \
         WHERE d.status = 'queued' AND d.next_attempt_at <= $3 AND d.claimed_until <= $3 AND i.status = 'active' \
         ORDER BY d.id LIMIT $4{lock})"
    );
    sqlx::query(&sql)
        .bind(token)
        .bind(now + lease)
        .bind(now)
        .bind(limit)
        .execute(pool)
        .await?;
    sqlx::query_as(
        "SELECT id, integration_id, event_id, event_type, body, attempts, give_up_at FROM deliveries \
         WHERE claim_token = $1 AND status = 'queued' ORDER BY id",
    )
    .bind(token)
    .fetch_all(pool)
    .await
}

/// Delivered; false when the claim was lost (another worker holds the row now).
pub async fn mark_delivered<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    id: i64,
    token: &str,
    status_code: Option<i64>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE deliveries SET status = 'delivered', attempts = attempts + 1, status_code = $1, last_error = NULL, \
         last_attempt_at = $2, claim_token = NULL, claimed_until = 0 WHERE id = $3 AND claim_token = $4",
    )
    .bind(status_code)
    .bind(now)
    .bind(id)
    .bind(token)
    .execute(exec)
    .await?
    .rows_affected()
        > 0)
}

/// A failed attempt: another at `next_attempt_at`, or none when `last`.
#[allow(clippy::too_many_arguments)]
pub async fn mark_failed<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    id: i64,
    token: &str,
    status_code: Option<i64>,
    error: &str,
    next_attempt_at: i64,
    last: bool,
    now: i64,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE deliveries SET status = $1, attempts = attempts + 1, status_code = $2, last_error = $3, \
         next_attempt_at = $4, last_attempt_at = $5, claim_token = NULL, claimed_until = 0 \
         WHERE id = $6 AND claim_token = $7",
    )
    .bind(if last { "failed" } else { "queued" })
    .bind(status_code)
    .bind(error)
    .bind(next_attempt_at)
    .bind(now)
    .bind(id)
    .bind(token)
    .execute(exec)
    .await?
    .rows_affected()
        > 0)
}

/// An integration's latest deliveries, newest first.
pub async fn recent<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    integration_id: i64,
    limit: i64,
) -> Result<Vec<DeliveryInfo>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, COALESCE(last_attempt_at, created_at), event_type, status, status_code, attempts, last_error \
         FROM deliveries WHERE integration_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(integration_id)
    .bind(limit)
    .fetch_all(exec)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(DeliveryInfo {
                id: r.try_get(0)?,
                at: r.try_get(1)?,
                event_type: r.try_get(2)?,
                status: r.try_get(3)?,
                status_code: r.try_get(4)?,
                attempts: r.try_get(5)?,
                error: r.try_get(6)?,
            })
        })
        .collect()
}

/// Queues the same event (same id and body) again to the same integration; returns the new
/// row's id, or None when there is no such delivery for that integration.
pub async fn redeliver<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    integration_id: i64,
    delivery_id: i64,
    now: i64,
    give_up_at: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let row = sqlx::query(
        "INSERT INTO deliveries (integration_id, trigger_id, event_id, event_type, body, status, attempts, \
         next_attempt_at, claimed_until, created_at, give_up_at) \
         SELECT integration_id, trigger_id, event_id, event_type, body, 'queued', 0, $1, 0, $1, $2 \
         FROM deliveries WHERE id = $3 AND integration_id = $4 RETURNING id",
    )
    .bind(now)
    .bind(give_up_at)
    .bind(delivery_id)
    .bind(integration_id)
    .fetch_optional(exec)
    .await?;
    row.map(|r| r.try_get(0)).transpose()
}
