//! Server functions for Settings → Integrations. Each needs ManageSettings.

use super::{DeliveryInfo, IntegrationForm, IntegrationInfo, Saved};
use crate::domain::AppError;
use leptos::prelude::*;

#[server(endpoint = "integrations/list")]
pub async fn list_integrations() -> Result<Vec<IntegrationInfo>, AppError> {
    use crate::context::with_permission;
    use crate::domain::Permission;
    with_permission(Permission::ManageSettings, |ctx| async move {
        super::service::list(&ctx).await
    })
    .await
}

/// Adds an integration; a webhook's signing secret is returned this once.
#[server(endpoint = "integrations/create")]
pub async fn create_integration(#[server(flatten)] form: IntegrationForm) -> Result<Saved, AppError> {
    use crate::context::with_permission;
    use crate::domain::Permission;
    with_permission(Permission::ManageSettings, |ctx| async move {
        super::service::create(&ctx, &form).await
    })
    .await
}

#[server(endpoint = "integrations/delete")]
pub async fn delete_integration(#[server(default)] integration_id: i64) -> Result<(), AppError> {
    use crate::context::with_permission;
    use crate::domain::Permission;
    with_permission(Permission::ManageSettings, |ctx| async move {
        super::service::delete(&ctx, integration_id).await
    })
    .await
}

/// Sends a test notification now; answers with what the receiver said.
#[server(endpoint = "integrations/test")]
pub async fn test_integration(#[server(default)] integration_id: i64) -> Result<String, AppError> {
    use crate::context::with_permission;
    use crate::domain::Permission;
    with_permission(Permission::ManageSettings, |ctx| async move {
        super::service::send_test(&ctx, integration_id).await
    })
    .await
}

/// A new signing secret, returned this once; the old one signs beside it for a day.
#[server(endpoint = "integrations/rotate-secret")]
pub async fn rotate_integration_secret(#[server(default)] integration_id: i64) -> Result<Saved, AppError> {
    use crate::context::with_permission;
    use crate::domain::Permission;
    with_permission(Permission::ManageSettings, |ctx| async move {
        super::service::rotate_secret(&ctx, integration_id).await
    })
    .await
}

#[server(endpoint = "integrations/resume")]
pub async fn resume_integration(#[server(default)] integration_id: i64) -> Result<(), AppError> {
    use crate::context::with_permission;
    use crate::domain::Permission;
    with_permission(Permission::ManageSettings, |ctx| async move {
        super::service::resume(&ctx, integration_id).await
    })
    .await
}

/// The integration's latest deliveries, newest first.
#[server(endpoint = "integrations/deliveries")]
pub async fn integration_deliveries(#[server(default)] integration_id: i64) -> Result<Vec<DeliveryInfo>, AppError> {
    use crate::context::with_permission;
    use crate::domain::Permission;
    with_permission(Permission::ManageSettings, |ctx| async move {
        super::service::deliveries(&ctx, integration_id).await
    })
    .await
}

#[server(endpoint = "integrations/redeliver")]
pub async fn redeliver(
    #[server(default)] integration_id: i64,
    #[server(default)] delivery_id: i64,
) -> Result<(), AppError> {
    use crate::context::with_permission;
    use crate::domain::Permission;
    with_permission(Permission::ManageSettings, |ctx| async move {
        super::service::redeliver(&ctx, integration_id, delivery_id).await
    })
    .await
}
