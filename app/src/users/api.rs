//! Server functions for the users list. Viewing needs ViewUsers.

use super::UserPage;
use crate::domain::AppError;
use leptos::prelude::*;

/// One page of a tab (`active` or `disabled`), optionally searched (`q`) and sorted.
#[server(endpoint = "users/list")]
pub async fn list_users(
    #[server(default)] tab: String,
    #[server(default)] q: String,
    #[server(default)] sort: String,
    #[server(default)] page: i64,
) -> Result<UserPage, AppError> {
    use crate::auth::api::require;
    use crate::context::{app_state, respond};
    use crate::domain::Permission;
    respond(async {
        require(Permission::ViewUsers).await?;
        let query = super::service::ListQuery::parse(&tab, &q, &sort, page)?;
        super::service::list(&app_state()?, &query).await
    })
    .await
}
