//! Server functions for Settings → Triggers: anyone with ViewUsers keeps their own triggers;
//! with ManageSettings they see, and may delete, everyone's.

use super::{ReactionOption, TriggerForm, TriggerInfo};
use crate::domain::AppError;
use leptos::prelude::*;

#[server(endpoint = "triggers/list")]
pub async fn list_triggers() -> Result<Vec<TriggerInfo>, AppError> {
    use crate::context::with_permission;
    use crate::domain::Permission;
    with_permission(
        Permission::ViewUsers,
        |ctx| async move { super::service::list(&ctx).await },
    )
    .await
}

/// The integrations a trigger may react with (names only).
#[server(endpoint = "triggers/reactions")]
pub async fn reaction_options() -> Result<Vec<ReactionOption>, AppError> {
    use crate::context::with_permission;
    use crate::domain::Permission;
    with_permission(Permission::ViewUsers, |ctx| async move {
        super::service::options(&ctx).await
    })
    .await
}

#[server(endpoint = "triggers/create")]
pub async fn create_trigger(#[server(flatten)] form: TriggerForm) -> Result<i64, AppError> {
    use crate::context::with_permission;
    use crate::domain::Permission;
    with_permission(Permission::ViewUsers, |ctx| async move {
        super::service::create(&ctx, &form).await
    })
    .await
}

#[server(endpoint = "triggers/delete")]
pub async fn delete_trigger(#[server(default)] trigger_id: i64) -> Result<(), AppError> {
    use crate::context::with_permission;
    use crate::domain::Permission;
    with_permission(Permission::ViewUsers, |ctx| async move {
        super::service::delete(&ctx, trigger_id).await
    })
    .await
}
