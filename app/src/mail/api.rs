//! Server functions for the Email Configuration page. Seeing it and sending a test need
//! ManageSettings; changing it needs ManageMailer (Global Administrators only).

use super::EmailSettings;
use crate::domain::AppError;
use leptos::prelude::*;

/// The saved configuration without its secret, or `None` when nothing is configured yet.
#[server(endpoint = "mail/settings")]
pub async fn load_email_settings() -> Result<Option<EmailSettings>, AppError> {
    use crate::auth::api::require;
    use crate::context::{app_state, respond};
    use crate::domain::Permission;
    respond(async {
        require(Permission::ManageSettings).await?;
        super::service::settings(&app_state()?).await
    })
    .await
}

/// Validates and saves the configuration, confirmed with the admin's own password. An empty
/// `secret` keeps the stored one for an unchanged endpoint.
#[server(endpoint = "mail/save")]
pub async fn save_email_settings(
    #[server(flatten)] form: super::SettingsForm,
    #[server(default)] current_password: String,
) -> Result<EmailSettings, AppError> {
    use crate::context::with_permission;
    use crate::domain::Permission;
    with_permission(Permission::ManageMailer, |ctx| async move {
        super::service::save(&ctx, form, current_password).await
    })
    .await
}

/// Sends a test email to the signed-in admin: with the settings as entered (not saved) for a
/// Global Administrator, through the saved configuration for an Administrator.
#[server(endpoint = "mail/test")]
pub async fn send_test_email(#[server(flatten)] form: super::SettingsForm) -> Result<String, AppError> {
    use crate::context::with_permission;
    use crate::domain::Permission;
    with_permission(Permission::ManageSettings, |ctx| async move {
        super::service::send_test(&ctx, form).await
    })
    .await
}
