//! User management: the list with its tabs, search and paging (and, next, edit, disable,
//! delete and bulk actions).

pub mod api;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
pub mod view;

use crate::domain::Role;
use serde::{Deserialize, Serialize};

/// Users per page.
pub const PAGE_SIZE: i64 = 25;
/// Longest search text accepted.
pub const SEARCH_MAX: usize = 100;

/// The list's tabs. Pending invitations have a tab of their own, served by `invites`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum UserTab {
    Active,
    Disabled,
}

impl UserTab {
    pub fn code(self) -> &'static str {
        match self {
            UserTab::Active => "active",
            UserTab::Disabled => "disabled",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "active" => Some(UserTab::Active),
            "disabled" => Some(UserTab::Disabled),
            _ => None,
        }
    }
}

/// Orders the list can be sorted in; each is backed by an index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum UserSort {
    /// Last name, first name (the default).
    Name,
    Email,
    /// Newest first.
    Created,
}

impl UserSort {
    pub const ALL: [UserSort; 3] = [UserSort::Name, UserSort::Email, UserSort::Created];

    pub fn code(self) -> &'static str {
        match self {
            UserSort::Name => "name",
            UserSort::Email => "email",
            UserSort::Created => "created",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            UserSort::Name => "Name",
            UserSort::Email => "Email",
            UserSort::Created => "Newest",
        }
    }
}

/// One row of the users list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserRow {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub role: Role,
    pub groups: Vec<String>,
    pub two_factor: bool,
    pub last_login_at: Option<i64>,
    pub created_at: i64,
    pub disabled: bool,
}

/// How many users each tab holds (for the current search).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TabCounts {
    pub active: i64,
    pub disabled: i64,
    pub pending: i64,
}

/// One page of the list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserPage {
    pub rows: Vec<UserRow>,
    pub page: i64,
    pub pages: i64,
    /// Rows in this tab matching the search.
    pub total: i64,
    pub counts: TabCounts,
}
