//! Server functions for groups. Viewing needs ViewUsers; every change needs ManageGroups (and
//! ManageGlobalAdmins for anything involving the Global Administrator role, checked in the
//! service).

use super::{GroupMember, GroupSummary};
use crate::domain::AppError;
use leptos::prelude::*;

/// Every group with its member count, by name.
#[server(endpoint = "groups/list")]
pub async fn list_groups() -> Result<Vec<GroupSummary>, AppError> {
    use crate::auth::api::require;
    use crate::context::{app_state, respond};
    use crate::domain::Permission;
    respond(async {
        require(Permission::ViewUsers).await?;
        super::service::list(&app_state()?).await
    })
    .await
}

/// The members of one group, by name.
#[server(endpoint = "groups/members")]
pub async fn list_group_members(group_id: i64) -> Result<Vec<GroupMember>, AppError> {
    use crate::auth::api::require;
    use crate::context::{app_state, respond};
    use crate::domain::Permission;
    respond(async {
        require(Permission::ViewUsers).await?;
        super::service::members(&app_state()?, group_id).await
    })
    .await
}

/// Creates a group; returns its id.
#[server(endpoint = "groups/create")]
pub async fn create_group(#[server(flatten)] form: super::GroupForm) -> Result<i64, AppError> {
    use crate::context::with_permission;
    use crate::domain::Permission;
    with_permission(Permission::ManageGroups, |ctx| async move {
        super::service::create(&ctx, form).await
    })
    .await
}

/// Renames a group, changes its description or the role it grants.
#[server(endpoint = "groups/update")]
pub async fn update_group(group_id: i64, #[server(flatten)] form: super::GroupForm) -> Result<(), AppError> {
    use crate::context::with_permission;
    use crate::domain::Permission;
    with_permission(Permission::ManageGroups, |ctx| async move {
        super::service::update(&ctx, group_id, form).await
    })
    .await
}

/// Deletes a group. Its members keep their accounts.
#[server(endpoint = "groups/delete")]
pub async fn delete_group(group_id: i64) -> Result<(), AppError> {
    use crate::context::with_permission;
    use crate::domain::Permission;
    with_permission(Permission::ManageGroups, |ctx| async move {
        super::service::delete(&ctx, group_id).await
    })
    .await
}

/// Adds a user to a group.
#[server(endpoint = "groups/add_member")]
pub async fn add_group_member(group_id: i64, user_id: i64) -> Result<(), AppError> {
    change_member(group_id, user_id, super::Membership::Add).await
}

/// Removes a user from a group (the user's account stays).
#[server(endpoint = "groups/remove_member")]
pub async fn remove_group_member(group_id: i64, user_id: i64) -> Result<(), AppError> {
    change_member(group_id, user_id, super::Membership::Remove).await
}

#[cfg(feature = "ssr")]
async fn change_member(group_id: i64, user_id: i64, change: super::Membership) -> Result<(), AppError> {
    use crate::context::with_permission;
    use crate::domain::Permission;
    with_permission(Permission::ManageGroups, |ctx| async move {
        super::service::change_member(&ctx, group_id, user_id, change).await
    })
    .await
}
