//! (ssr) Each account's sign-in history: every attempt on an existing account and its outcome,
//! kept [`RETENTION_DAYS`] days. This module writes `sign_in_history`; others read it through
//! [`for_user`].

use super::{SignInOutcome, SignInRecord};
use crate::context::RequestMeta;
use sqlx::{Any, Executor, FromRow};

/// How long the history keeps an attempt.
pub const RETENTION_DAYS: i64 = 90;

pub async fn record<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    user_id: i64,
    at: i64,
    outcome: SignInOutcome,
    meta: &RequestMeta,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO sign_in_history (user_id, at, outcome, ip, user_agent) VALUES ($1, $2, $3, $4, $5)")
        .bind(user_id)
        .bind(at)
        .bind(outcome.code())
        .bind(&meta.ip)
        .bind(&meta.user_agent)
        .execute(exec)
        .await?;
    Ok(())
}

#[derive(FromRow)]
struct HistoryRow {
    at: i64,
    outcome: SignInOutcome,
    ip: String,
    user_agent: String,
}

/// The user's attempts since `since`, newest first, at most `limit`.
pub async fn for_user<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    user_id: i64,
    since: i64,
    limit: i64,
) -> Result<Vec<SignInRecord>, sqlx::Error> {
    let rows: Vec<HistoryRow> = sqlx::query_as(
        "SELECT at, outcome, ip, user_agent FROM sign_in_history WHERE user_id = $1 AND at >= $2 \
         ORDER BY at DESC, id DESC LIMIT $3",
    )
    .bind(user_id)
    .bind(since)
    .bind(limit)
    .fetch_all(exec)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| SignInRecord {
            at: r.at,
            outcome: r.outcome,
            ip: r.ip,
            user_agent: r.user_agent,
        })
        .collect())
}

/// Removes attempts older than the retention period; returns how many.
pub async fn prune<'c, E: Executor<'c, Database = Any>>(exec: E, now: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM sign_in_history WHERE at < $1")
        .bind(now - RETENTION_DAYS * 86_400)
        .execute(exec)
        .await?
        .rows_affected())
}
