//! Server functions for Settings → General. Each needs ManageSettings.

use super::{GeneralSettings, TimeoutsForm};
use crate::domain::AppError;
use leptos::prelude::*;

/// The logout timeouts and the console URL as they are in effect.
#[server(endpoint = "settings/general")]
pub async fn load_general_settings() -> Result<GeneralSettings, AppError> {
    use crate::context::with_permission;
    use crate::domain::Permission;
    with_permission(Permission::ManageSettings, |ctx| async move {
        super::service::general(&ctx.state).await
    })
    .await
}

/// Saves the idle and absolute timeouts; every session follows them from its next request.
#[server(endpoint = "settings/timeouts")]
pub async fn save_session_timeouts(#[server(flatten)] form: TimeoutsForm) -> Result<(), AppError> {
    use crate::context::with_permission;
    use crate::domain::Permission;
    with_permission(Permission::ManageSettings, |ctx| async move {
        super::service::save_timeouts(&ctx, &form).await.map(|_| ())
    })
    .await
}

/// Saves the console URL links and emails use (refused while ROSTER_PUBLIC_URL sets it).
#[server(endpoint = "settings/console-url")]
pub async fn save_console_url(#[server(default)] console_url: String) -> Result<String, AppError> {
    use crate::context::with_permission;
    use crate::domain::Permission;
    with_permission(Permission::ManageSettings, |ctx| async move {
        super::service::save_console_url(&ctx, &console_url).await
    })
    .await
}
