//! Server functions for two-factor authentication. The user's own 2FA needs only a session
//! (enrolment works even in a session a 2FA policy confines to it); the policy needs
//! ManageSettings. An admin's "Disable 2FA" on another user is `users/disable-2fa`.

use super::{Enrolment, Policy, PolicyForm, TwoFactorStatus};
use crate::domain::AppError;
use leptos::prelude::*;

/// The signed-in user's 2FA: on since when, recovery codes left, whether a policy requires it.
#[server(endpoint = "two-factor/status")]
pub async fn get_two_factor_status() -> Result<TwoFactorStatus, AppError> {
    crate::context::signed_in(true, |ctx| async move { super::service::status(&ctx).await }).await
}

/// A new secret to scan (QR code) or type in; it becomes active once confirmed by
/// [`enable_two_factor`] within 10 minutes.
#[server(endpoint = "two-factor/start")]
pub async fn start_two_factor() -> Result<Enrolment, AppError> {
    crate::context::signed_in(true, |ctx| async move { super::service::start(&ctx).await }).await
}

/// Turns 2FA on with a current code and the password; returns the recovery codes, shown once.
#[server(endpoint = "two-factor/enable")]
pub async fn enable_two_factor(code: String, password: String) -> Result<Vec<String>, AppError> {
    crate::context::signed_in(true, |ctx| async move {
        super::service::enable(&ctx, &code, password).await
    })
    .await
}

/// A new set of recovery codes (password and a current code); the old set stops working.
#[server(endpoint = "two-factor/regenerate")]
pub async fn regenerate_recovery_codes(password: String, code: String) -> Result<Vec<String>, AppError> {
    crate::context::signed_in(false, |ctx| async move {
        super::service::regenerate(&ctx, password, &code).await
    })
    .await
}

/// Turns the user's own 2FA off (password and a current code or a recovery code).
#[server(endpoint = "two-factor/disable")]
pub async fn disable_two_factor(password: String, code: String) -> Result<(), AppError> {
    crate::context::signed_in(false, |ctx| async move {
        super::service::disable_own(&ctx, password, &code).await
    })
    .await
}

/// The 2FA policy, and whether the viewer has 2FA on (a policy that covers them needs it).
#[server(endpoint = "two-factor/policy")]
pub async fn get_two_factor_policy() -> Result<(Policy, bool), AppError> {
    use crate::context::with_permission;
    use crate::domain::Permission;
    with_permission(Permission::ManageSettings, |ctx| async move {
        let policy = super::policy::load(&ctx.state.db.pool).await?;
        Ok((policy, super::service::status(&ctx).await?.enabled_at.is_some()))
    })
    .await
}

/// Saves the 2FA policy: who must use 2FA, and the grace period in days (0–30).
#[server(endpoint = "two-factor/save-policy")]
pub async fn save_two_factor_policy(#[server(flatten)] form: PolicyForm) -> Result<Policy, AppError> {
    use crate::context::with_permission;
    use crate::domain::Permission;
    with_permission(Permission::ManageSettings, |ctx| async move {
        let has_two_factor = super::service::status(&ctx).await?.enabled_at.is_some();
        super::policy::save(&ctx, &form, has_two_factor).await
    })
    .await
}
