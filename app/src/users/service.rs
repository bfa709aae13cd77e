//! (ssr) The users list: one page of a tab, searched and sorted on the server.

use super::store::{self, Search};
use super::{TabCounts, UserPage, UserRow, UserSort, UserTab, PAGE_SIZE, SEARCH_MAX};
use crate::domain::{AppError, FieldError, Role};
use crate::state::AppState;

/// What the list's URL asks for, parsed.
pub struct ListQuery {
    pub tab: UserTab,
    pub search: String,
    pub sort: UserSort,
    pub page: i64,
}

impl ListQuery {
    /// Unknown values fall back to the defaults (a hand-edited URL still shows a list); only a
    /// search that is too long is refused.
    pub fn parse(tab: &str, search: &str, sort: &str, page: i64) -> Result<ListQuery, AppError> {
        let search = search.trim().to_string();
        if search.chars().count() > SEARCH_MAX {
            return Err(FieldError::new("q", format!("Search for at most {SEARCH_MAX} characters.")).into());
        }
        Ok(ListQuery {
            tab: UserTab::from_code(tab).unwrap_or(UserTab::Active),
            search,
            sort: UserSort::from_code(sort).unwrap_or(UserSort::Name),
            page: page.max(1),
        })
    }
}

pub async fn list(state: &AppState, query: &ListQuery) -> Result<UserPage, AppError> {
    let pool = &state.db.pool;
    let search = (!query.search.is_empty()).then(|| Search::new(state.db.backend, &query.search));
    let counts = TabCounts {
        active: store::count(pool, UserTab::Active, search.as_ref()).await?,
        disabled: store::count(pool, UserTab::Disabled, search.as_ref()).await?,
        pending: store::pending_invites(pool).await?,
    };
    let total = match query.tab {
        UserTab::Active => counts.active,
        UserTab::Disabled => counts.disabled,
    };
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let page = query.page.min(pages);
    let listed = store::list(
        pool,
        query.tab,
        search.as_ref(),
        query.sort,
        PAGE_SIZE,
        (page - 1) * PAGE_SIZE,
    )
    .await?;
    let ids: Vec<i64> = listed.iter().map(|u| u.id).collect();
    let memberships = store::groups_of(pool, &ids).await?;
    let rows = listed
        .into_iter()
        .map(|u| UserRow {
            groups: memberships
                .iter()
                .filter(|(id, _)| *id == u.id)
                .map(|(_, name)| name.clone())
                .collect(),
            id: u.id,
            first_name: u.first_name,
            last_name: u.last_name,
            email: u.email,
            role: Role::from_code(&u.role).unwrap_or(Role::ReadOnly),
            two_factor: u.totp_enabled_at.is_some(),
            last_login_at: u.last_login_at,
            created_at: u.created_at,
            disabled: u.status == "disabled",
        })
        .collect();
    Ok(UserPage {
        rows,
        page,
        pages,
        total,
        counts,
    })
}
