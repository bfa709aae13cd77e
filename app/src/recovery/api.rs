//! Server functions for "Forgot password?". All public: the email's owner is not signed in,
//! and the reset link's token is the credential.

use super::{PasswordReset, ResetLink};
use crate::domain::AppError;
use leptos::prelude::*;

/// Sends a reset link if the email belongs to an active account; answers the same words in the
/// same time either way. Public.
#[server(endpoint = "recovery/forgot")]
pub async fn request_password_reset(email: String) -> Result<String, AppError> {
    use crate::context::{app_state, request_meta, respond};
    respond(async { super::service::forgot_password(&app_state()?, &email, &request_meta()).await }).await
}

/// Whether a reset link can still be used, and whether it needs a 2FA code. Public.
#[server(endpoint = "recovery/open")]
pub async fn open_reset_link(token: String) -> Result<ResetLink, AppError> {
    use crate::context::{app_state, respond};
    respond(async { super::service::open_link(&app_state()?, &token).await }).await
}

/// Sets a new password through a reset link; every session of the account ends. No sign-in
/// follows. Public.
#[server(endpoint = "recovery/reset")]
pub async fn reset_password(#[server(flatten)] form: PasswordReset) -> Result<(), AppError> {
    use crate::context::{app_state, request_meta, respond};
    respond(async { super::service::reset_password(&app_state()?, form, &request_meta()).await }).await
}
