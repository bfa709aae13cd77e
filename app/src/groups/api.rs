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
pub async fn create_group(name: String, #[server(default)] description: String, role: String) -> Result<i64, AppError> {
    use crate::auth::api::require;
    use crate::context::{app_state, request_meta, respond};
    use crate::domain::Permission;
    respond(async {
        let actor = require(Permission::ManageGroups).await?;
        let form = super::service::GroupForm {
            name,
            description,
            role,
        };
        super::service::create(&app_state()?, &actor, form, &request_meta()).await
    })
    .await
}

/// Renames a group, changes its description or the role it grants.
#[server(endpoint = "groups/update")]
pub async fn update_group(
    group_id: i64,
    #[server(default)] name: String,
    #[server(default)] description: String,
    #[server(default)] role: String,
) -> Result<(), AppError> {
    use crate::auth::api::require;
    use crate::context::{app_state, request_meta, respond};
    use crate::domain::Permission;
    respond(async {
        let actor = require(Permission::ManageGroups).await?;
        let form = super::service::GroupForm {
            name,
            description,
            role,
        };
        super::service::update(&app_state()?, &actor, group_id, form, &request_meta()).await
    })
    .await
}

/// Deletes a group. Its members keep their accounts.
#[server(endpoint = "groups/delete")]
pub async fn delete_group(group_id: i64) -> Result<(), AppError> {
    use crate::auth::api::require;
    use crate::context::{app_state, request_meta, respond};
    use crate::domain::Permission;
    respond(async {
        let actor = require(Permission::ManageGroups).await?;
        super::service::delete(&app_state()?, &actor, group_id, &request_meta()).await
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
    use crate::auth::api::require;
    use crate::context::{app_state, request_meta, respond};
    use crate::domain::Permission;
    respond(async {
        let actor = require(Permission::ManageGroups).await?;
        super::service::change_member(&app_state()?, &actor, group_id, user_id, change, &request_meta()).await
    })
    .await
}
