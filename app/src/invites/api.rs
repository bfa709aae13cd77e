//! Server functions for invitations. Inviting and managing invitations needs ManageUsers (and
//! ManageGlobalAdmins for Global Administrator invitations, checked in the service); opening a
//! link and signing up are public, the token being the credential.

use super::{InviteLink, LinkState, PendingInvite};
use crate::domain::AppError;
use leptos::prelude::*;

/// Creates an invitation (replacing any pending one for the email) and returns its link once.
#[server(endpoint = "invites/create")]
pub async fn create_invite(#[server(flatten)] form: super::InviteForm) -> Result<InviteLink, AppError> {
    use crate::context::with_permission;
    use crate::domain::Permission;
    with_permission(Permission::ManageUsers, |ctx| async move {
        super::service::create_invite(&ctx, form).await
    })
    .await
}

/// Pending invitations, newest first.
#[server(endpoint = "invites/pending")]
pub async fn list_pending_invites() -> Result<Vec<PendingInvite>, AppError> {
    use crate::auth::api::require;
    use crate::context::{app_state, respond};
    use crate::domain::Permission;
    respond(async {
        require(Permission::ViewUsers).await?;
        super::service::list_pending(&app_state()?).await
    })
    .await
}

/// A fresh link for a pending invitation; the previous link stops working.
#[server(endpoint = "invites/fresh_link")]
pub async fn fresh_invite_link(invite_id: i64) -> Result<InviteLink, AppError> {
    renew(invite_id, super::InviteDelivery::Link).await
}

/// Emails a pending invitation again with a new link and expiry; the previous link stops working.
#[server(endpoint = "invites/resend")]
pub async fn resend_invite(invite_id: i64) -> Result<InviteLink, AppError> {
    renew(invite_id, super::InviteDelivery::Email).await
}

#[cfg(feature = "ssr")]
async fn renew(invite_id: i64, delivery: super::InviteDelivery) -> Result<InviteLink, AppError> {
    use crate::context::with_permission;
    use crate::domain::Permission;
    with_permission(Permission::ManageUsers, |ctx| async move {
        super::service::renew(&ctx, invite_id, delivery).await
    })
    .await
}

/// Revokes a pending invitation.
#[server(endpoint = "invites/revoke")]
pub async fn revoke_invite(invite_id: i64) -> Result<(), AppError> {
    use crate::context::with_permission;
    use crate::domain::Permission;
    with_permission(Permission::ManageUsers, |ctx| async move {
        super::service::revoke(&ctx, invite_id).await
    })
    .await
}

/// What an invite link leads to: the signup details, or why it cannot be used. Public.
#[server(endpoint = "invites/open")]
pub async fn open_invite_link(token: String) -> Result<LinkState, AppError> {
    use crate::context::{app_state, respond};
    respond(async { super::service::open_link(&app_state()?, &token).await }).await
}

/// Completes signup through an invite link and signs the new user in. Public.
#[server(endpoint = "invites/signup")]
pub async fn complete_signup(#[server(flatten)] form: super::SignupForm) -> Result<(), AppError> {
    use crate::auth::api::set_sign_in_cookies;
    use crate::context::{app_state, request_meta, respond};
    respond(async {
        let state = app_state()?;
        let cookie = super::service::complete_signup(&state, form, &request_meta()).await?;
        set_sign_in_cookies(&state, &cookie).await?;
        leptos_axum::redirect("/");
        Ok(())
    })
    .await
}
