//! Server functions for the Email Configuration page. Seeing it and sending a test need
//! ManageSettings; changing it needs ManageMailer (Global Administrators only).

// The form's fields are the functions' arguments (that is how forms post to server functions).
#![allow(clippy::too_many_arguments)]

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
    kind: String,
    #[server(default)] sender_address: String,
    #[server(default)] sender_name: String,
    #[server(default)] host: String,
    #[server(default)] port: String,
    #[server(default)] security: String,
    #[server(default)] username: String,
    #[server(default)] secret: String,
    #[server(default)] aws_region: String,
    #[server(default)] aws_access_key: String,
    #[server(default)] endpoint_url: String,
    #[server(default)] current_password: String,
) -> Result<EmailSettings, AppError> {
    use crate::auth::api::require;
    use crate::context::{app_state, request_meta, respond};
    use crate::domain::Permission;
    respond(async {
        let actor = require(Permission::ManageMailer).await?;
        let form = super::config::SettingsForm {
            kind,
            sender_address,
            sender_name,
            host,
            port,
            security,
            username,
            secret,
            aws_region,
            aws_access_key,
            endpoint_url,
        };
        super::service::save(&app_state()?, &actor, form, current_password, &request_meta()).await
    })
    .await
}

/// Sends a test email to the signed-in admin: with the settings as entered (not saved) for a
/// Global Administrator, through the saved configuration for an Administrator.
#[server(endpoint = "mail/test")]
pub async fn send_test_email(
    kind: String,
    #[server(default)] sender_address: String,
    #[server(default)] sender_name: String,
    #[server(default)] host: String,
    #[server(default)] port: String,
    #[server(default)] security: String,
    #[server(default)] username: String,
    #[server(default)] secret: String,
    #[server(default)] aws_region: String,
    #[server(default)] aws_access_key: String,
    #[server(default)] endpoint_url: String,
) -> Result<String, AppError> {
    use crate::auth::api::require;
    use crate::context::{app_state, request_meta, respond};
    use crate::domain::Permission;
    respond(async {
        let actor = require(Permission::ManageSettings).await?;
        let form = super::config::SettingsForm {
            kind,
            sender_address,
            sender_name,
            host,
            port,
            security,
            username,
            secret,
            aws_region,
            aws_access_key,
            endpoint_url,
        };
        super::service::send_test(&app_state()?, &actor, form, &request_meta()).await
    })
    .await
}
