//! (ssr) Reading the `sessions` table (written by `auth::store`, which also deletes from it).

use sqlx::{Any, Executor, FromRow};

/// A session as the sessions pages need it.
#[derive(Clone, Debug, FromRow)]
pub struct SessionRow {
    pub id: i64,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub ip: String,
    pub user_agent: String,
}

/// When a session counts as still alive: the same limits `auth::service::resolve_viewer`
/// applies at a session's next request, so the list never shows a session that request would
/// end (the worker deletes those only later).
#[derive(Clone, Copy, Debug)]
pub struct Alive {
    pub now: i64,
    /// Sessions last seen at or before this have been idle too long.
    pub idle_cutoff: i64,
    /// Sessions started at or before this are past the absolute timeout.
    pub started_cutoff: i64,
}

/// The user's live sessions, most recently active first.
pub async fn live_sessions_of<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    user_id: i64,
    alive: Alive,
) -> Result<Vec<SessionRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, created_at, last_seen_at, COALESCE(ip, '') AS ip, COALESCE(user_agent, '') AS user_agent \
         FROM sessions \
         WHERE user_id = $1 AND expires_at > $2 AND last_seen_at > $3 AND created_at > $4 \
         ORDER BY last_seen_at DESC, id DESC",
    )
    .bind(user_id)
    .bind(alive.now)
    .bind(alive.idle_cutoff)
    .bind(alive.started_cutoff)
    .fetch_all(exec)
    .await
}

/// The id of the session with this token hash, if it is the user's.
pub async fn session_id_for<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    user_id: i64,
    token_hash: &str,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM sessions WHERE token_hash = $1 AND user_id = $2")
        .bind(token_hash)
        .bind(user_id)
        .fetch_optional(exec)
        .await
}
