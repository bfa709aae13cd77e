//! (ssr) SQL for sign-in challenges: the state between a correct password and a session for an
//! account with 2FA. A challenge is found only by the hash of its cookie and only until it
//! expires; it grants nothing but the second step.

use sqlx::{Any, Executor, FromRow};

pub struct NewChallenge<'a> {
    pub token_hash: &'a str,
    pub user_id: i64,
    pub now: i64,
    pub expires_at: i64,
    pub ip: &'a str,
    pub user_agent: &'a str,
}

pub async fn insert<'c, E: Executor<'c, Database = Any>>(exec: E, c: &NewChallenge<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sign_in_challenges (token_hash, user_id, created_at, expires_at, ip, user_agent) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(c.token_hash)
    .bind(c.user_id)
    .bind(c.now)
    .bind(c.expires_at)
    .bind(c.ip)
    .bind(c.user_agent)
    .execute(exec)
    .await?;
    Ok(())
}

#[derive(Clone, Debug, FromRow)]
pub struct Challenge {
    pub id: i64,
    pub user_id: i64,
    pub failures: i64,
}

/// The live challenge behind this cookie hash.
pub async fn find<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    token_hash: &str,
    now: i64,
) -> Result<Option<Challenge>, sqlx::Error> {
    sqlx::query_as("SELECT id, user_id, failures FROM sign_in_challenges WHERE token_hash = $1 AND expires_at > $2")
        .bind(token_hash)
        .bind(now)
        .fetch_optional(exec)
        .await
}

/// Counts one wrong code and returns the failures so far.
pub async fn count_failure<'c, E: Executor<'c, Database = Any>>(exec: E, id: i64) -> Result<i64, sqlx::Error> {
    use sqlx::Row;
    sqlx::query("UPDATE sign_in_challenges SET failures = failures + 1 WHERE id = $1 RETURNING failures")
        .bind(id)
        .fetch_optional(exec)
        .await?
        .map_or(Ok(i64::MAX), |row| row.try_get(0))
}

/// Removes the challenge; false if another request removed it first.
pub async fn take<'c, E: Executor<'c, Database = Any>>(exec: E, id: i64) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM sign_in_challenges WHERE id = $1")
        .bind(id)
        .execute(exec)
        .await?
        .rows_affected()
        == 1)
}

/// Every challenge of the user (their 2FA or password changed).
pub async fn delete_for_user<'c, E: Executor<'c, Database = Any>>(exec: E, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sign_in_challenges WHERE user_id = $1")
        .bind(user_id)
        .execute(exec)
        .await?;
    Ok(())
}

pub async fn delete_expired<'c, E: Executor<'c, Database = Any>>(exec: E, now: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM sign_in_challenges WHERE expires_at <= $1")
        .bind(now)
        .execute(exec)
        .await?
        .rows_affected())
}
