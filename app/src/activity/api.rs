//! Server functions for Settings → Activity Log (ViewActivity) and the retention setting
//! (ManageSettings). The export is a plain streaming route (`export.rs`).

use super::{LogPage, LogQuery, VerifyReport};
use crate::domain::AppError;
use leptos::prelude::*;

/// One page of the log for the filters and cursor in the URL.
#[server(endpoint = "activity/list")]
pub async fn list_activity(#[server(flatten)] query: LogQuery) -> Result<LogPage, AppError> {
    use crate::context::with_permission;
    use crate::domain::Permission;
    with_permission(Permission::ViewActivity, |ctx| async move {
        super::service::list(&ctx.state, &query).await
    })
    .await
}

/// Walks the hash chain and reports the first entry that was changed or removed. Anyone who
/// may read the log may check it: it reveals nothing the page does not.
#[server(endpoint = "activity/verify")]
pub async fn verify_activity() -> Result<VerifyReport, AppError> {
    use crate::context::with_permission;
    use crate::domain::Permission;
    with_permission(Permission::ViewActivity, |ctx| async move {
        super::service::verify(&ctx.state).await
    })
    .await
}

/// Days activity entries are kept (Settings → General).
#[server(endpoint = "activity/retention")]
pub async fn load_retention() -> Result<i64, AppError> {
    use crate::context::with_permission;
    use crate::domain::Permission;
    with_permission(Permission::ManageSettings, |ctx| async move {
        super::service::retention_days(&ctx.state.db.pool).await
    })
    .await
}

/// Saves "Keep activity entries for" (30 days to 7 years).
#[server(endpoint = "activity/save-retention")]
pub async fn save_retention(#[server(default)] retention_days: String) -> Result<i64, AppError> {
    use crate::context::with_permission;
    use crate::domain::Permission;
    with_permission(Permission::ManageSettings, |ctx| async move {
        super::service::save_retention(&ctx, &retention_days).await
    })
    .await
}
