//! Server function for the home page. Any signed-in user may call it: what it returns depends
//! on whether they may view users (decided in the service).

use super::Overview;
use crate::domain::AppError;
use leptos::prelude::*;

#[server(endpoint = "overview/get")]
pub async fn get_overview() -> Result<Overview, AppError> {
    crate::context::signed_in(false, |ctx| async move { super::service::overview(&ctx).await }).await
}
