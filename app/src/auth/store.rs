//! (ssr) SQL for setup, reading users' credentials, sessions and attempt limits. The `users`
//! table itself is written by the users area (`users::accounts` and `users::store`).

use crate::db::Row as DbRow;
use crate::domain::{Role, UserStatus};
use sqlx::{Any, Executor, FromRow, Row};

/// True once the first registration has committed.
pub async fn setup_completed<'c, E: Executor<'c, Database = Any>>(exec: E) -> Result<bool, sqlx::Error> {
    let count: i64 = sqlx::query("SELECT COUNT(*) FROM instance_setup")
        .fetch_one(exec)
        .await?
        .try_get(0)?;
    Ok(count > 0)
}

/// Inserts the one setup row; a second caller fails with a unique violation.
pub async fn claim_setup<'c, E: Executor<'c, Database = Any>>(exec: E, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO instance_setup (id, completed_at) VALUES (1, $1)")
        .bind(now)
        .execute(exec)
        .await?;
    Ok(())
}

pub async fn record_first_user<'c, E: Executor<'c, Database = Any>>(exec: E, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE instance_setup SET first_user_id = $1 WHERE id = 1")
        .bind(user_id)
        .execute(exec)
        .await?;
    Ok(())
}

/// A user as authentication sees them.
#[derive(Clone, Debug, FromRow)]
pub struct UserRecord {
    pub id: i64,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub password_hash: String,
    pub role: Role,
    pub status: UserStatus,
    /// Set while the user has 2FA on.
    pub totp_enabled_at: Option<i64>,
}

const USER_COLUMNS: &str =
    "u.id, u.email, u.first_name, u.last_name, u.password_hash, u.role, u.status, u.totp_enabled_at";

pub async fn find_user_by_email<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    email: &str,
) -> Result<Option<UserRecord>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users u WHERE u.email = $1"))
        .bind(email)
        .fetch_optional(exec)
        .await
}

pub async fn find_user_by_id<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    user_id: i64,
) -> Result<Option<UserRecord>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1"))
        .bind(user_id)
        .fetch_optional(exec)
        .await
}

pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub user_id: i64,
    pub now: i64,
    pub expires_at: i64,
    pub ip: &'a str,
    pub user_agent: &'a str,
    /// The session may do nothing but enrol in 2FA (a 2FA policy requires it).
    pub enrol_only: bool,
}

pub async fn insert_session<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    s: &NewSession<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, ip, user_agent, enrol_only) \
         VALUES ($1, $2, $3, $3, $4, $5, $6, $7)",
    )
    .bind(s.token_hash)
    .bind(s.user_id)
    .bind(s.now)
    .bind(s.expires_at)
    .bind(s.ip)
    .bind(s.user_agent)
    .bind(i64::from(s.enrol_only))
    .execute(exec)
    .await?;
    Ok(())
}

/// A session joined with its user, and what deciding on it needs: the roles the user's groups
/// grant and the timeout settings. All of it comes from one query, since every request of a
/// signed-in user starts here.
#[derive(Clone, Debug)]
pub struct SessionRecord {
    pub session_id: i64,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub enrol_only: bool,
    pub user: UserRecord,
    pub group_roles: Vec<Role>,
    /// The raw `session.idle_timeout_minutes` setting, if set.
    pub idle_timeout_setting: Option<String>,
    /// The raw `session.absolute_timeout_hours` setting, if set.
    pub absolute_timeout_setting: Option<String>,
}

pub async fn find_session<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    token_hash: &str,
) -> Result<Option<SessionRecord>, sqlx::Error> {
    // One row per group membership (at least one row): the session and user columns repeat.
    let rows: Vec<DbRow> = sqlx::query(&format!(
        "SELECT s.id AS session_id, s.created_at, s.last_seen_at, s.expires_at, s.enrol_only, {USER_COLUMNS}, \
         g.role AS group_role, \
         (SELECT value FROM settings WHERE key = $2) AS idle_timeout_setting, \
         (SELECT value FROM settings WHERE key = $3) AS absolute_timeout_setting \
         FROM sessions s JOIN users u ON u.id = s.user_id \
         LEFT JOIN group_members m ON m.user_id = u.id LEFT JOIN groups g ON g.id = m.group_id \
         WHERE s.token_hash = $1"
    ))
    .bind(token_hash)
    .bind(crate::settings::store::IDLE_TIMEOUT_MINUTES)
    .bind(crate::settings::store::ABSOLUTE_TIMEOUT_HOURS)
    .fetch_all(exec)
    .await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let mut group_roles = Vec::new();
    for row in &rows {
        if let Some(code) = row.try_get::<Option<String>, _>("group_role")? {
            group_roles.push(crate::users::store::decode_role("group_role", code)?);
        }
    }
    Ok(Some(SessionRecord {
        session_id: first.try_get("session_id")?,
        created_at: first.try_get("created_at")?,
        last_seen_at: first.try_get("last_seen_at")?,
        expires_at: first.try_get("expires_at")?,
        enrol_only: first.try_get::<i64, _>("enrol_only")? != 0,
        user: UserRecord::from_row(first)?,
        group_roles,
        idle_timeout_setting: first.try_get("idle_timeout_setting")?,
        absolute_timeout_setting: first.try_get("absolute_timeout_setting")?,
    }))
}

pub async fn touch_session<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    session_id: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2")
        .bind(now)
        .bind(session_id)
        .execute(exec)
        .await?;
    Ok(())
}

/// Deletes one session; true if it was still there (of two requests ending it, one is told).
pub async fn delete_session<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    session_id: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM sessions WHERE id = $1")
        .bind(session_id)
        .execute(exec)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Counts one attempt against `scope`/`key` in the window that started after `window_cutoff`
/// (a new window starts at `now` when the last one has passed) and returns the attempts in the
/// window, this one included. One statement, so parallel attempts each get their own count.
pub async fn count_attempt<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    scope: &str,
    key: &str,
    now: i64,
    window_cutoff: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query(
        "INSERT INTO attempt_limits (scope, key, window_start, hits) VALUES ($1, $2, $3, 1) \
         ON CONFLICT (scope, key) DO UPDATE SET \
           hits = CASE WHEN attempt_limits.window_start <= $4 THEN 1 ELSE attempt_limits.hits + 1 END, \
           window_start = CASE WHEN attempt_limits.window_start <= $4 THEN $3 ELSE attempt_limits.window_start END \
         RETURNING hits",
    )
    .bind(scope)
    .bind(key)
    .bind(now)
    .bind(window_cutoff)
    .fetch_one(exec)
    .await?
    .try_get(0)
}

/// Gives one counted attempt back (a correct password is not a failure).
pub async fn uncount_attempt<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    scope: &str,
    key: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE attempt_limits SET hits = hits - 1 WHERE scope = $1 AND key = $2 AND hits > 0")
        .bind(scope)
        .bind(key)
        .execute(exec)
        .await?;
    Ok(())
}

/// What counting an attempt against a slowed limit found.
pub struct SlowedCount {
    /// Attempts in the window, this one and refused ones included.
    pub hits: i64,
    /// This attempt may go ahead.
    pub admitted: bool,
    /// Attempts refused in the window so far, this one included.
    pub refusals: i64,
}

/// Counts one attempt against a slowed limit (see `limits::Over::Slow`). Up to `max` admitted
/// attempts in the window go ahead freely; beyond that one is admitted only once
/// `next_attempt_at` has passed, which then moves on by the next of `limits::SLOW_DELAYS`
/// (refused attempts are counted in `hits` and `refusals`, and do not grow the delay). One
/// statement decides, and marks the admitted attempt with a nonce of its own: of two racing
/// attempts, exactly one finds its nonce in the row.
pub async fn count_slowed_attempt<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    limit: crate::auth::limits::Limit,
    key: &str,
    now: i64,
    window_cutoff: i64,
) -> Result<SlowedCount, sqlx::Error> {
    let delays = crate::auth::limits::SLOW_DELAYS;
    let ladder: String = delays[..delays.len() - 1]
        .iter()
        .enumerate()
        .map(|(i, d)| format!(" WHEN {} THEN {d}", i + 1))
        .collect();
    // Admitted attempts, this one included, beyond `max`.
    let over = "attempt_limits.hits - attempt_limits.refusals + 1 - $5";
    let delay = format!("(CASE {over}{ladder} ELSE {} END)", delays[delays.len() - 1]);
    let new_window = "attempt_limits.window_start <= $4";
    let admitted = format!("({new_window} OR {over} <= 0 OR attempt_limits.next_attempt_at <= $3)");
    let sql = format!(
        "INSERT INTO attempt_limits (scope, key, window_start, hits, next_attempt_at, admitted_by, refusals) \
         VALUES ($1, $2, $3, 1, 0, $6, 0) \
         ON CONFLICT (scope, key) DO UPDATE SET \
           hits = CASE WHEN {new_window} THEN 1 ELSE attempt_limits.hits + 1 END, \
           next_attempt_at = CASE WHEN {new_window} THEN 0 \
             WHEN {over} <= 0 THEN attempt_limits.next_attempt_at \
             WHEN attempt_limits.next_attempt_at <= $3 THEN $3 + {delay} \
             ELSE attempt_limits.next_attempt_at END, \
           admitted_by = CASE WHEN {admitted} THEN $6 ELSE attempt_limits.admitted_by END, \
           refusals = CASE WHEN {new_window} THEN 0 WHEN {admitted} THEN attempt_limits.refusals \
             ELSE attempt_limits.refusals + 1 END, \
           window_start = CASE WHEN {new_window} THEN $3 ELSE attempt_limits.window_start END \
         RETURNING hits, admitted_by, refusals"
    );
    let nonce = crate::auth::secrets::random_token();
    let row = sqlx::query(&sql)
        .bind(limit.scope)
        .bind(key)
        .bind(now)
        .bind(window_cutoff)
        .bind(limit.max)
        .bind(&nonce)
        .fetch_one(exec)
        .await?;
    Ok(SlowedCount {
        hits: row.try_get("hits")?,
        admitted: row.try_get::<Option<String>, _>("admitted_by")?.as_deref() == Some(nonce.as_str()),
        refusals: row.try_get("refusals")?,
    })
}

/// A window that has passed, as it was removed: whoever removes it reports it, once.
#[derive(Clone, Debug, FromRow)]
pub struct EndedWindow {
    pub key: String,
    pub window_start: i64,
    pub hits: i64,
    pub refusals: i64,
}

/// Removes every window kept for this email: its own and those of its networks and devices
/// (keyed "email …"). Returns each with its scope.
pub async fn take_windows_of_email<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    email: &str,
) -> Result<Vec<(String, EndedWindow)>, sqlx::Error> {
    let rows: Vec<DbRow> = sqlx::query(
        "DELETE FROM attempt_limits WHERE (scope = 'email' AND key = $1) \
         OR (scope IN ('email_net', 'device') AND substr(key, 1, length($1) + 1) = $1 || ' ') \
         RETURNING scope, key, window_start, hits, refusals",
    )
    .bind(email)
    .fetch_all(exec)
    .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("scope")?, EndedWindow::from_row(row)?)))
        .collect()
}

/// Removes the windows of `scope` that started at or before `window_cutoff` (only `key`'s, if
/// given) and returns them.
pub async fn take_ended_windows<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    scope: &str,
    window_cutoff: i64,
    key: Option<&str>,
) -> Result<Vec<EndedWindow>, sqlx::Error> {
    sqlx::query_as(
        "DELETE FROM attempt_limits WHERE scope = $1 AND window_start <= $2 AND ($3 IS NULL OR key = $3) \
         RETURNING key, window_start, hits, refusals",
    )
    .bind(scope)
    .bind(window_cutoff)
    .bind(key)
    .fetch_all(exec)
    .await
}

/// Sessions past their absolute limit, the one given at sign-in or the current setting's
/// (started at or before `started_cutoff`): nothing can revive them.
pub async fn delete_expired_sessions<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    now: i64,
    started_cutoff: i64,
) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR created_at <= $2")
            .bind(now)
            .bind(started_cutoff)
            .execute(exec)
            .await?
            .rows_affected(),
    )
}

/// Ends every session of the user.
pub async fn delete_sessions_of<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    user_id: i64,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(exec)
        .await?
        .rows_affected())
}

/// Lets the user's enrol-only sessions do everything again (they have enrolled).
pub async fn release_enrol_only_sessions<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    user_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET enrol_only = 0 WHERE user_id = $1 AND enrol_only <> 0")
        .bind(user_id)
        .execute(exec)
        .await?;
    Ok(())
}

/// The live windows of these emails: their own and their networks' and devices' (keyed
/// "email …"), each with its scope, for `limits::locked_among`.
pub async fn windows_of_emails<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    emails: &[&str],
    started_after: i64,
) -> Result<Vec<(String, EndedWindow)>, sqlx::Error> {
    if emails.is_empty() {
        return Ok(Vec::new());
    }
    let matches: Vec<String> = (0..emails.len())
        .map(|i| {
            let p = i + 2;
            format!("key = ${p} OR substr(key, 1, length(${p}) + 1) = ${p} || ' '")
        })
        .collect();
    let sql = format!(
        "SELECT scope, key, window_start, hits, refusals FROM attempt_limits \
         WHERE scope IN ('email', 'email_net', 'device') AND window_start > $1 AND ({})",
        matches.join(" OR ")
    );
    let mut query = sqlx::query(&sql).bind(started_after);
    for email in emails {
        query = query.bind(*email);
    }
    let rows: Vec<DbRow> = query.fetch_all(exec).await?;
    rows.iter()
        .map(|row| Ok((row.try_get("scope")?, EndedWindow::from_row(row)?)))
        .collect()
}

/// What the activity log says of a session that was ended on purpose.
#[derive(Clone, Debug, FromRow)]
pub struct EndedSession {
    pub ip: String,
    pub user_agent: String,
}

/// Ends one session of the user (Profile → Security's "Sign out"). None when the user has no
/// session with this id: someone else's id changes nothing.
pub async fn delete_session_of<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    user_id: i64,
    session_id: i64,
) -> Result<Option<EndedSession>, sqlx::Error> {
    sqlx::query_as(
        "DELETE FROM sessions WHERE id = $1 AND user_id = $2 \
         RETURNING COALESCE(ip, '') AS ip, COALESCE(user_agent, '') AS user_agent",
    )
    .bind(session_id)
    .bind(user_id)
    .fetch_optional(exec)
    .await
}

/// Ends every session of the user except `keep` (the caller's own); returns how many.
pub async fn delete_other_sessions<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    user_id: i64,
    keep: i64,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
        .bind(user_id)
        .bind(keep)
        .execute(exec)
        .await?
        .rows_affected())
}
