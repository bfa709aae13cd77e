//! (ssr) SQL for the `integrations` table. Sealed columns stay sealed here; the service opens them.

use super::IntegrationKind;
use sqlx::{Any, Executor, FromRow, Row};

/// Purposes the sealed columns are bound to (`crypto::seal`).
pub const URL_PURPOSE: &str = "integrations.url_enc";
pub const HEADERS_PURPOSE: &str = "integrations.headers_enc";
pub const SECRET_PURPOSE: &str = "integrations.secret_enc";

#[derive(Clone, Debug, FromRow)]
pub struct IntegrationRow {
    pub id: i64,
    pub kind: IntegrationKind,
    pub name: String,
    pub emails: String,
    pub url: String,
    pub url_enc: Option<String>,
    pub method: String,
    pub headers_enc: Option<String>,
    pub secret_enc: Option<String>,
    pub old_secret_enc: Option<String>,
    pub old_secret_until: Option<i64>,
    pub status: String,
    pub failing_since: Option<i64>,
    pub created_by: Option<i64>,
}

const COLUMNS: &str = "id, kind, name, emails, url, url_enc, method, headers_enc, secret_enc, old_secret_enc, \
                       old_secret_until, status, failing_since, created_by";

pub struct NewIntegration<'a> {
    pub kind: IntegrationKind,
    pub name: &'a str,
    pub emails: &'a str,
    pub url: &'a str,
    pub url_enc: Option<&'a str>,
    pub method: &'a str,
    pub headers_enc: Option<&'a str>,
    pub secret_enc: Option<&'a str>,
    pub created_by: i64,
    pub now: i64,
}

pub async fn insert<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    new: &NewIntegration<'_>,
) -> Result<i64, sqlx::Error> {
    sqlx::query(
        "INSERT INTO integrations (kind, name, emails, url, url_enc, method, headers_enc, secret_enc, created_by, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
    )
    .bind(new.kind.code())
    .bind(new.name)
    .bind(new.emails)
    .bind(new.url)
    .bind(new.url_enc)
    .bind(new.method)
    .bind(new.headers_enc)
    .bind(new.secret_enc)
    .bind(new.created_by)
    .bind(new.now)
    .fetch_one(exec)
    .await?
    .try_get(0)
}

pub async fn list<'c, E: Executor<'c, Database = Any>>(exec: E) -> Result<Vec<IntegrationRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM integrations ORDER BY name, id"))
        .fetch_all(exec)
        .await
}

pub async fn find<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    id: i64,
) -> Result<Option<IntegrationRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM integrations WHERE id = $1"))
        .bind(id)
        .fetch_optional(exec)
        .await
}

pub async fn delete<'c, E: Executor<'c, Database = Any>>(exec: E, id: i64) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM integrations WHERE id = $1")
        .bind(id)
        .execute(exec)
        .await?
        .rows_affected()
        > 0)
}

/// A new signing secret; the old one keeps signing beside it until `old_until`.
pub async fn rotate_secret<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    id: i64,
    secret_enc: &str,
    old_secret_enc: Option<&str>,
    old_until: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE integrations SET secret_enc = $1, old_secret_enc = $2, old_secret_until = $3, updated_at = $4 \
         WHERE id = $5",
    )
    .bind(secret_enc)
    .bind(old_secret_enc)
    .bind(old_until)
    .bind(now)
    .bind(id)
    .execute(exec)
    .await?;
    Ok(())
}

/// Active again, with a clean record.
pub async fn resume<'c, E: Executor<'c, Database = Any>>(exec: E, id: i64, now: i64) -> Result<bool, sqlx::Error> {
    Ok(
        sqlx::query("UPDATE integrations SET status = 'active', failing_since = NULL, updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(exec)
            .await?
            .rows_affected()
            > 0,
    )
}

/// A delivery got through: the run of failures, if any, is over.
pub async fn note_success<'c, E: Executor<'c, Database = Any>>(exec: E, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE integrations SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL")
        .bind(id)
        .execute(exec)
        .await?;
    Ok(())
}

/// A delivery failed: returns since when every delivery has been failing.
pub async fn note_failure<'c, E: Executor<'c, Database = Any>>(exec: E, id: i64, now: i64) -> Result<i64, sqlx::Error> {
    let row = sqlx::query(
        "UPDATE integrations SET failing_since = COALESCE(failing_since, $1) WHERE id = $2 RETURNING failing_since",
    )
    .bind(now)
    .bind(id)
    .fetch_optional(exec)
    .await?;
    Ok(row.map(|r| r.try_get::<i64, _>(0)).transpose()?.unwrap_or(now))
}

/// Pauses an active integration; false when it was paused already (or is gone).
pub async fn pause<'c, E: Executor<'c, Database = Any>>(exec: E, id: i64, now: i64) -> Result<bool, sqlx::Error> {
    Ok(
        sqlx::query("UPDATE integrations SET status = 'paused', updated_at = $1 WHERE id = $2 AND status = 'active'")
            .bind(now)
            .bind(id)
            .execute(exec)
            .await?
            .rows_affected()
            > 0,
    )
}
