//! (ssr) Key/value settings.

use sqlx::{Any, Executor, Row};

pub const CONSOLE_URL: &str = "console_url";
pub const IDLE_TIMEOUT_MINUTES: &str = "session.idle_timeout_minutes";
pub const ABSOLUTE_TIMEOUT_HOURS: &str = "session.absolute_timeout_hours";
/// A keyed hash that tells whether a server holds the instance key the database was set up
/// with (`settings::service::check_instance_key`).
pub const INSTANCE_KEY_CHECK: &str = "instance.key_check";

pub const DEFAULT_IDLE_TIMEOUT_MINUTES: i64 = 30;
pub const DEFAULT_ABSOLUTE_TIMEOUT_HOURS: i64 = 12;

pub async fn get<'c, E: Executor<'c, Database = Any>>(exec: E, key: &str) -> Result<Option<String>, sqlx::Error> {
    let row = sqlx::query("SELECT value FROM settings WHERE key = $1")
        .bind(key)
        .fetch_optional(exec)
        .await?;
    row.map(|r| r.try_get::<String, _>(0)).transpose()
}

pub async fn set<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    key: &str,
    value: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    )
    .bind(key)
    .bind(value)
    .bind(now)
    .execute(exec)
    .await?;
    Ok(())
}

/// Sets `key` to `value` unless it is set already (of racing callers, the first wins); returns
/// the value that stands.
pub async fn set_once(pool: &sqlx::AnyPool, key: &str, value: &str, now: i64) -> Result<String, sqlx::Error> {
    sqlx::query("INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING")
        .bind(key)
        .bind(value)
        .bind(now)
        .execute(pool)
        .await?;
    Ok(get(pool, key).await?.unwrap_or_default())
}

/// An integer setting, or its default when unset or unparsable.
pub async fn get_i64<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    key: &str,
    default: i64,
) -> Result<i64, sqlx::Error> {
    Ok(int_or(get(exec, key).await?.as_deref(), default))
}

/// An integer setting's stored value, or `default` when unset or unparsable.
pub fn int_or(value: Option<&str>, default: i64) -> i64 {
    value.and_then(|v| v.parse().ok()).unwrap_or(default)
}
