//! (ssr) Browsers an account has signed in from. Each browser gets a long-lived device cookie
//! (256 random bits, stored only as its hash) at its first sign-in; a browser known to an
//! account keeps its own sign-in budget while the account's email is under attack
//! (`limits::PER_DEVICE`), and a sign-in from any other browser is reported to the owner by
//! email. This module writes `known_devices`.

use super::secrets::{is_token, random_token, token_hash};
use sqlx::{Any, Executor, Row};

/// How long a device cookie lives, and how long an unused known device is remembered.
pub const DEVICE_DAYS: i64 = 400;

/// The device cookie this sign-in leaves in the browser, and whether the account knew it.
pub struct Device {
    /// The cookie's value (the browser's own, or a new one).
    pub token: String,
    pub known: bool,
}

/// Whether the browser holding the device whose hash is `device_hash` has signed in to the
/// account with this email before.
pub async fn is_known_for_email<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    email: &str,
    device_hash: &str,
) -> Result<bool, sqlx::Error> {
    let count: i64 = sqlx::query(
        "SELECT COUNT(*) FROM known_devices d JOIN users u ON u.id = d.user_id \
         WHERE d.device_hash = $1 AND u.email = $2",
    )
    .bind(device_hash)
    .bind(email)
    .fetch_one(exec)
    .await?
    .try_get(0)?;
    Ok(count > 0)
}

/// Records that the browser with this device cookie (or, without one, a new cookie) signed in
/// to the user's account now.
pub async fn remember(
    tx: &mut crate::db::Tx<'_>,
    user_id: i64,
    cookie: Option<&str>,
    now: i64,
) -> Result<Device, sqlx::Error> {
    let token = cookie
        .filter(|c| is_token(c))
        .map(str::to_string)
        .unwrap_or_else(random_token);
    let hash = token_hash(&token);
    // One statement decides whether it is new, so two racing sign-ins send one email.
    let inserted = sqlx::query(
        "INSERT INTO known_devices (user_id, device_hash, first_seen_at, last_seen_at) VALUES ($1, $2, $3, $3) \
         ON CONFLICT (user_id, device_hash) DO NOTHING",
    )
    .bind(user_id)
    .bind(&hash)
    .bind(now)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if inserted == 0 {
        sqlx::query("UPDATE known_devices SET last_seen_at = $1 WHERE user_id = $2 AND device_hash = $3")
            .bind(now)
            .bind(user_id)
            .bind(&hash)
            .execute(&mut **tx)
            .await?;
    }
    Ok(Device {
        token,
        known: inserted == 0,
    })
}

/// Forgets devices unused for [`DEVICE_DAYS`] (their cookies have expired too).
pub async fn prune<'c, E: Executor<'c, Database = Any>>(exec: E, now: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM known_devices WHERE last_seen_at < $1")
        .bind(now - DEVICE_DAYS * 86_400)
        .execute(exec)
        .await?
        .rows_affected())
}
