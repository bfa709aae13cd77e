//! Server functions for the users list and user actions. Viewing needs ViewUsers; every action
//! needs ManageUsers (checked first, before the user is looked up), and the service adds the
//! guards: not on yourself, Global Administrators only by those holding ManageGlobalAdmins,
//! never the last active Global Administrator.

// `list_users` takes one argument per query parameter of the list's URL (the browser's stub
// that `#[server]` generates carries no attributes of the function, so the allowance is here).
#![allow(clippy::too_many_arguments)]

use super::{BulkSummary, UserPage};
use crate::domain::AppError;
use leptos::prelude::*;

/// One page of a tab (`active` or `disabled`), optionally searched (`q`) and sorted. `after` /
/// `before` are the cursors the page's Next / Previous links carry (`next_after`,
/// `prev_before`): the page is then found by seeking, not by skipping `page - 1` pages.
#[server(endpoint = "users/list")]
pub async fn list_users(
    #[server(default)] tab: super::UserTab,
    #[server(default)] q: String,
    #[server(default)] sort: super::UserSort,
    #[server(default)] page: i64,
    #[server(default)] after: String,
    #[server(default)] before: String,
    #[server(default)] two_factor: super::TwoFactorFilter,
    // A role code; empty (or unknown) is any role.
    #[server(default)] role: String,
) -> Result<UserPage, AppError> {
    use crate::auth::api::require;
    use crate::context::{app_state, respond};
    use crate::domain::Permission;
    respond(async {
        require(Permission::ViewUsers).await?;
        let narrow = super::Narrow {
            two_factor,
            role: crate::domain::Role::from_code(&role),
        };
        let query = super::service::ListQuery::parse((tab, narrow), &q, sort, page, &after, &before)?;
        super::service::list(&app_state()?, &query).await
    })
    .await
}

/// Changes a user's first and last name.
#[server(endpoint = "users/update_name")]
pub async fn update_user_name(user_id: i64, first_name: String, last_name: String) -> Result<(), AppError> {
    act(user_id, || super::actions::Change::name(&first_name, &last_name)).await
}

/// Gives a user another role (a role code such as `analyst`).
#[server(endpoint = "users/change_role")]
pub async fn change_user_role(user_id: i64, role: String) -> Result<(), AppError> {
    act(user_id, || super::actions::Change::role(&role)).await
}

/// Disables a user: they cannot sign in, and their open sessions end at their next request.
#[server(endpoint = "users/disable")]
pub async fn disable_user(user_id: i64) -> Result<(), AppError> {
    act(user_id, || Ok(super::actions::Change::Disable)).await
}

/// Lets a disabled user sign in again (old sessions stay ended).
#[server(endpoint = "users/enable")]
pub async fn enable_user(user_id: i64) -> Result<(), AppError> {
    act(user_id, || Ok(super::actions::Change::Enable)).await
}

/// Deletes a user for good, with their sessions, memberships and pending sent invitations.
#[server(endpoint = "users/delete")]
pub async fn delete_user(user_id: i64) -> Result<(), AppError> {
    act(user_id, || Ok(super::actions::Change::Delete)).await
}

/// Disables, enables or deletes many users (`user_ids`: comma-separated, at most 1000), each on
/// their own; returns what happened to them.
#[server(endpoint = "users/bulk")]
pub async fn bulk_user_action(action: String, user_ids: String) -> Result<BulkSummary, AppError> {
    use crate::context::with_permission;
    use crate::domain::Permission;
    with_permission(Permission::ManageUsers, |ctx| async move {
        let request = super::bulk::BulkRequest::parse(&action, &user_ids)?;
        super::bulk::run(&ctx, request).await
    })
    .await
}

/// The single-user actions' shared body: permission first, then the parsed change, then the service.
#[cfg(feature = "ssr")]
async fn act(user_id: i64, parse: impl FnOnce() -> Result<super::actions::Change, AppError>) -> Result<(), AppError> {
    use crate::context::with_permission;
    use crate::domain::{Permission, UserId};
    with_permission(Permission::ManageUsers, |ctx| async move {
        let change = parse()?;
        super::actions::apply(&ctx, UserId(user_id), change).await
    })
    .await
}

/// Turns off another user's 2FA (they lost their device), confirmed with the admin's own
/// password: a wrong one changes nothing and counts toward the admin's sign-in limit.
#[server(endpoint = "users/disable-2fa")]
pub async fn disable_user_two_factor(user_id: i64, password: String) -> Result<(), AppError> {
    use crate::context::with_permission;
    use crate::domain::{Permission, UserId};
    with_permission(Permission::ManageUsers, |ctx| async move {
        if password.is_empty() {
            return Err(AppError::invalid("password", "Enter your password to confirm."));
        }
        if !crate::auth::service::confirm_password(&ctx.state, &ctx.actor.email, password).await? {
            return Err(AppError::invalid(
                "password",
                "Your password is not right. Nothing was changed.",
            ));
        }
        super::actions::apply(&ctx, UserId(user_id), super::actions::Change::DisableTwoFactor).await?;
        ctx.state.mail.wake_worker();
        Ok(())
    })
    .await
}

/// Ends the slowing down of sign-ins to a user's account after failed attempts (see
/// `auth::limits`). Same permission and guards as the other user actions.
#[server(endpoint = "users/unlock")]
pub async fn unlock_user(user_id: i64) -> Result<(), AppError> {
    use crate::context::with_permission;
    use crate::domain::{Permission, UserId};
    with_permission(Permission::ManageUsers, |ctx| async move {
        super::actions::apply(&ctx, UserId(user_id), super::actions::Change::Unlock).await
    })
    .await
}
