//! (ssr) The home page's counts, read straight from the tables they summarise. Each query is
//! bounded by an index: users by status, invitations by status, the outbox by status, and the
//! activity log by (action, at) for the sign-ins of the last week only.

use super::{HourCount, MailHealth};
use crate::domain::Role;
use sqlx::{Any, AnyConnection, Row};

/// Active users of each role, and how many of them have no 2FA.
pub struct ActiveUsers {
    pub by_role: Vec<(Role, i64)>,
    pub without_two_factor: i64,
}

pub async fn active_users(conn: &mut AnyConnection) -> Result<ActiveUsers, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT role, COUNT(*) AS n, COALESCE(SUM(CASE WHEN totp_enabled_at IS NULL THEN 1 ELSE 0 END), 0) AS off \
         FROM users WHERE status = 'active' GROUP BY role",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut by_role: Vec<(Role, i64)> = Role::ALL.into_iter().map(|r| (r, 0)).collect();
    let mut without_two_factor = 0;
    for row in rows {
        let role = crate::users::store::decode_role("users.role", row.try_get("role")?)?;
        let n: i64 = row.try_get("n")?;
        if let Some(slot) = by_role.iter_mut().find(|(r, _)| *r == role) {
            slot.1 = n;
        }
        without_two_factor += row.try_get::<i64, _>("off")?;
    }
    Ok(ActiveUsers {
        by_role,
        without_two_factor,
    })
}

/// Disabled users, from the counts the users table's triggers keep (migration 0003).
pub async fn disabled_users(conn: &mut AnyConnection) -> Result<i64, sqlx::Error> {
    let row = sqlx::query("SELECT n FROM user_counts WHERE status = 'disabled'")
        .fetch_optional(&mut *conn)
        .await?;
    row.map_or(Ok(0), |r| r.try_get(0))
}

/// Pending invitations (as the Pending tab counts them), and those still valid whose link
/// expires before `soon`.
pub async fn pending_invites(conn: &mut AnyConnection, now: i64, soon: i64) -> Result<(i64, i64), sqlx::Error> {
    let row = sqlx::query(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN expires_at > $1 AND expires_at <= $2 THEN 1 ELSE 0 END), 0) \
         FROM invites WHERE status = 'pending'",
    )
    .bind(now)
    .bind(soon)
    .fetch_one(&mut *conn)
    .await?;
    Ok((row.try_get(0)?, row.try_get(1)?))
}

/// The email outbox: waiting, retrying, and given up on since `since`. The outbox keeps no
/// failure time; an email is given up on at its first attempt after `give_up_at`, so that
/// deadline stands for it.
pub async fn mail_health(conn: &mut AnyConnection, since: i64) -> Result<MailHealth, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT 'queued', COUNT(*) FROM outbox WHERE status = 'queued' AND channel = 'email' AND attempts = 0 \
         UNION ALL SELECT 'retrying', COUNT(*) FROM outbox WHERE status = 'queued' AND channel = 'email' AND attempts > 0 \
         UNION ALL SELECT 'failed', COUNT(*) FROM outbox WHERE status = 'failed' AND channel = 'email' AND give_up_at >= $1",
    )
    .bind(since)
    .fetch_all(&mut *conn)
    .await?;
    let mut health = MailHealth::default();
    for row in rows {
        let n: i64 = row.try_get(1)?;
        match row.try_get::<String, _>(0)?.as_str() {
            "queued" => health.queued = n,
            "retrying" => health.retrying = n,
            _ => health.failed_recently = n,
        }
    }
    Ok(health)
}

/// Successful and failed sign-ins per hour from `first_hour` (a multiple of 3600) for `hours`
/// hours. Times are unix seconds (`activity_log.at`, BIGINT), so an hour is `at / 3600` in
/// integer arithmetic on both backends; the range on `at` keeps the read to the week's rows of
/// the two actions (index `activity_log_action_at`), however long the log.
pub async fn sign_ins_per_hour(
    conn: &mut AnyConnection,
    first_hour: i64,
    hours: usize,
) -> Result<Vec<HourCount>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT at / 3600 AS hour, action, COUNT(*) AS n FROM activity_log \
         WHERE action IN ('auth.login', 'auth.login_failed') AND at >= $1 AND at < $2 \
         GROUP BY at / 3600, action",
    )
    .bind(first_hour)
    .bind(first_hour + hours as i64 * 3600)
    .fetch_all(&mut *conn)
    .await?;
    let mut counts = vec![HourCount::default(); hours];
    for row in rows {
        let hour: i64 = row.try_get("hour")?;
        let n: i64 = row.try_get("n")?;
        let Some(slot) = usize::try_from(hour - first_hour / 3600)
            .ok()
            .and_then(|i| counts.get_mut(i))
        else {
            continue;
        };
        match row.try_get::<String, _>("action")?.as_str() {
            "auth.login" => slot.succeeded = n,
            _ => slot.failed = n,
        }
    }
    Ok(counts)
}

/// Whether the user has 2FA on (their own summary).
pub async fn two_factor_on<'c, E: sqlx::Executor<'c, Database = Any>>(exec: E, user: i64) -> Result<bool, sqlx::Error> {
    let row = sqlx::query("SELECT totp_enabled_at FROM users WHERE id = $1")
        .bind(user)
        .fetch_optional(exec)
        .await?;
    Ok(match row {
        Some(row) => row.try_get::<Option<i64>, _>(0)?.is_some(),
        None => false,
    })
}
