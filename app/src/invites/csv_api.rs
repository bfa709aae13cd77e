//! Server functions for bulk invitations from CSV. Both need ManageUsers, as one invitation
//! does; the service adds the same per-role rule (Global Administrators only by Global
//! Administrators), row by row.

use super::csv::{CsvPreview, RowOutcome};
use crate::domain::AppError;
use leptos::prelude::*;

/// Checks every row of a CSV (`email,first_name,last_name,role`, header optional) without
/// sending anything.
#[server(endpoint = "invites/csv-preview")]
pub async fn preview_invite_csv(csv: String) -> Result<CsvPreview, AppError> {
    use crate::context::with_permission;
    use crate::domain::Permission;
    with_permission(Permission::ManageUsers, |ctx| async move {
        super::csv_service::preview(&ctx, &csv).await
    })
    .await
}

/// Emails invitations for up to `CHUNK_ROWS` rows (CSV, no header) in one transaction, each
/// checked again; returns each row's outcome in order.
#[server(endpoint = "invites/csv-send")]
pub async fn send_invite_csv_chunk(csv: String, lifetime: String) -> Result<Vec<RowOutcome>, AppError> {
    use crate::context::with_permission;
    use crate::domain::Permission;
    with_permission(Permission::ManageUsers, |ctx| async move {
        super::csv_service::send_chunk(&ctx, &csv, &lifetime).await
    })
    .await
}
