//! Server functions for sessions. One's own sessions and history need only a session (not one
//! confined to 2FA enrolment); another user's sessions need ManageUsers, and ending them goes
//! through the user actions' guards (`users::actions`).

use super::{HistoryEntry, SessionInfo, UserSessionList};
use crate::domain::AppError;
use leptos::prelude::*;

/// The caller's live sessions, their own first (`current`).
#[server(endpoint = "sessions/mine")]
pub async fn my_sessions() -> Result<Vec<SessionInfo>, AppError> {
    use crate::context::{session_token, signed_in};
    signed_in(false, |ctx| async move {
        super::service::own_sessions(&ctx, session_token().as_deref()).await
    })
    .await
}

/// Ends one of the caller's other sessions: its browser is signed out at its next request.
#[server(endpoint = "sessions/sign-out")]
pub async fn sign_out_session(session_id: i64) -> Result<(), AppError> {
    use crate::context::{session_token, signed_in};
    signed_in(false, |ctx| async move {
        super::service::sign_out_session(&ctx, session_token().as_deref(), session_id).await
    })
    .await
}

/// Ends every session of the caller but this one; returns how many ended.
#[server(endpoint = "sessions/sign-out-others")]
pub async fn sign_out_other_sessions() -> Result<u64, AppError> {
    use crate::context::{session_token, signed_in};
    signed_in(false, |ctx| async move {
        super::service::sign_out_other_sessions(&ctx, session_token().as_deref()).await
    })
    .await
}

/// The caller's sign-in history: the last 90 days, newest first.
#[server(endpoint = "sessions/history")]
pub async fn my_sign_in_history() -> Result<Vec<HistoryEntry>, AppError> {
    use crate::context::signed_in;
    signed_in(false, |ctx| async move { super::service::own_history(&ctx).await }).await
}

/// A user's live sessions, for the users list's Sessions dialog.
#[server(endpoint = "sessions/of-user")]
pub async fn user_sessions(user_id: i64) -> Result<UserSessionList, AppError> {
    use crate::context::{session_token, with_permission};
    use crate::domain::Permission;
    with_permission(Permission::ManageUsers, |ctx| async move {
        super::service::sessions_of_user(&ctx, session_token().as_deref(), user_id).await
    })
    .await
}

/// Ends every session of a user (not one's own; a Global Administrator's only by a Global
/// Administrator).
#[server(endpoint = "sessions/end-all")]
pub async fn end_user_sessions(user_id: i64) -> Result<(), AppError> {
    use crate::context::with_permission;
    use crate::domain::{Permission, UserId};
    use crate::users::actions::{apply, Change};
    with_permission(Permission::ManageUsers, |ctx| async move {
        apply(&ctx, UserId(user_id), Change::EndSessions).await
    })
    .await
}
