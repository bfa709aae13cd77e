//! (ssr) The rules behind Profile → Security and an admin's view of a user's sessions: which
//! sessions are alive, which one is the caller's own, that a user ends only their own, and
//! what the activity log says when one ends. An admin's "End all sessions" is a user action
//! (`users::actions::Change::EndSessions`), with the guards every user action has.

use super::store::{self, Alive, SessionRow};
use super::{agent, HistoryEntry, SessionInfo, UserSessionList, HISTORY_LIMIT};
use crate::activity::store::{self as activity, Event};
use crate::auth::secrets::token_hash;
use crate::auth::store as auth_store;
use crate::context::Ctx;
use crate::domain::AppError;
use crate::settings::store as settings;
use serde_json::json;

pub const NOT_YOUR_SESSION: &str = "That session is not one of yours, or it has already ended. Nothing was changed.";
pub const THIS_SESSION: &str =
    "This is the session you are using now. To end it, use Sign out in the menu under your name.";

/// The limits a session's next request would apply (see `auth::service::resolve_viewer`),
/// with the timeout settings in force now.
async fn alive(ctx: &Ctx) -> Result<Alive, AppError> {
    let pool = &ctx.state.db.pool;
    let idle_minutes = settings::get_i64(
        pool,
        settings::IDLE_TIMEOUT_MINUTES,
        settings::DEFAULT_IDLE_TIMEOUT_MINUTES,
    )
    .await?;
    let absolute_hours = settings::get_i64(
        pool,
        settings::ABSOLUTE_TIMEOUT_HOURS,
        settings::DEFAULT_ABSOLUTE_TIMEOUT_HOURS,
    )
    .await?;
    Ok(Alive {
        now: ctx.now,
        idle_cutoff: ctx.now - idle_minutes * 60,
        started_cutoff: ctx.now - absolute_hours * 3600,
    })
}

/// The id of the caller's own session: the one their cookie (`token`) names.
async fn current_session(ctx: &Ctx, token: Option<&str>) -> Result<Option<i64>, AppError> {
    let Some(token) = token else {
        return Ok(None);
    };
    Ok(store::session_id_for(&ctx.state.db.pool, ctx.actor.id.0, &token_hash(token)).await?)
}

fn info(row: SessionRow, current: Option<i64>) -> SessionInfo {
    SessionInfo {
        id: row.id,
        device: agent::parse(&row.user_agent),
        ip: row.ip,
        created_at: row.created_at,
        last_seen_at: row.last_seen_at,
        current: Some(row.id) == current,
    }
}

/// `user_id`'s live sessions, the caller's own first, then the most recently active.
async fn live_sessions(ctx: &Ctx, token: Option<&str>, user_id: i64) -> Result<Vec<SessionInfo>, AppError> {
    let current = current_session(ctx, token).await?;
    let rows = store::live_sessions_of(&ctx.state.db.pool, user_id, alive(ctx).await?).await?;
    let mut sessions: Vec<SessionInfo> = rows.into_iter().map(|row| info(row, current)).collect();
    // Stable: the others keep their order.
    sessions.sort_by_key(|s| !s.current);
    Ok(sessions)
}

/// The caller's own live sessions; `token` is their session cookie.
pub async fn own_sessions(ctx: &Ctx, token: Option<&str>) -> Result<Vec<SessionInfo>, AppError> {
    live_sessions(ctx, token, ctx.actor.id.0).await
}

/// Ends one of the caller's other sessions. Someone else's session id, or one that has ended,
/// changes nothing; the caller's own session ends only through Sign out.
pub async fn sign_out_session(ctx: &Ctx, token: Option<&str>, session_id: i64) -> Result<(), AppError> {
    let current = current_session(ctx, token).await?.ok_or(AppError::Unauthenticated)?;
    if session_id == current {
        return Err(AppError::Conflict(THIS_SESSION.into()));
    }
    let user_id = ctx.actor.id.0;
    let mut tx = ctx.state.db.begin().await?;
    let Some(ended) = auth_store::delete_session_of(&mut *tx, user_id, session_id).await? else {
        return Err(AppError::NotFound(NOT_YOUR_SESSION.into()));
    };
    let device = agent::parse(&ended.user_agent);
    let summary = device.summary();
    let event = Event {
        action: "session.revoked",
        object_type: "session",
        object_id: Some(session_id),
        object_name: &summary,
        details: json!({
            "before": { "ip": ended.ip, "browser": device.browser, "os": device.os },
            "after": null,
        }),
    };
    activity::record_event(&mut tx, ctx, event).await?;
    tx.commit().await?;
    Ok(())
}

/// Ends every session of the caller but the one they are using; returns how many ended.
pub async fn sign_out_other_sessions(ctx: &Ctx, token: Option<&str>) -> Result<u64, AppError> {
    let current = current_session(ctx, token).await?.ok_or(AppError::Unauthenticated)?;
    let user_id = ctx.actor.id.0;
    let mut tx = ctx.state.db.begin().await?;
    let ended = auth_store::delete_other_sessions(&mut *tx, user_id, current).await?;
    if ended > 0 {
        let name = ctx.actor.display_name();
        let event = Event {
            action: "session.revoked_others",
            object_type: "user",
            object_id: Some(user_id),
            object_name: &name,
            details: json!({ "sessions_ended": ended, "kept_session": current }),
        };
        activity::record_event(&mut tx, ctx, event).await?;
    }
    tx.commit().await?;
    Ok(ended)
}

/// The caller's sign-in attempts of the retention period, newest first.
pub async fn own_history(ctx: &Ctx) -> Result<Vec<HistoryEntry>, AppError> {
    let since = ctx.now - crate::auth::history::RETENTION_DAYS * 86_400;
    let records = crate::auth::history::for_user(&ctx.state.db.pool, ctx.actor.id.0, since, HISTORY_LIMIT).await?;
    Ok(records
        .into_iter()
        .map(|r| HistoryEntry {
            at: r.at,
            device: agent::parse(&r.user_agent),
            ip: r.ip,
            outcome: r.outcome,
        })
        .collect())
}

/// A user's live sessions, for an admin (`token`: the admin's own cookie, which marks their
/// own session should they look at themselves).
pub async fn sessions_of_user(ctx: &Ctx, token: Option<&str>, user_id: i64) -> Result<UserSessionList, AppError> {
    let not_found = || AppError::NotFound(crate::users::actions::NO_SUCH_USER.into());
    let mut tx = ctx.state.db.begin().await?;
    let user = crate::users::store::find_target(&mut tx, user_id)
        .await?
        .ok_or_else(not_found)?;
    tx.commit().await?;
    // Where a Global Administrator signs in from is for those who may act on them.
    if user.is_global_admin() && !ctx.actor.can(crate::domain::Permission::ManageGlobalAdmins) {
        return Err(AppError::Forbidden(
            "Only a Global Administrator can see a Global Administrator's sessions.".into(),
        ));
    }
    Ok(UserSessionList {
        user_id,
        name: format!("{} {}", user.first_name, user.last_name),
        email: user.email,
        sessions: live_sessions(ctx, token, user_id).await?,
    })
}
