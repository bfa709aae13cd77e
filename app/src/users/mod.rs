//! User management: the list with its tabs, search and paging; each row's actions (edit name,
//! change role, disable, enable, delete) and the same actions in bulk for a selection.

#[cfg(feature = "ssr")]
pub mod accounts;
#[cfg(feature = "ssr")]
pub mod actions;
pub mod api;
#[cfg(feature = "ssr")]
pub mod bulk;
mod bulk_bar;
mod feedback;
#[cfg(feature = "ssr")]
pub mod match_counts;
#[cfg(feature = "ssr")]
pub mod page_index;
mod row_menu;
#[cfg(feature = "ssr")]
pub mod search_index;
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
/// A search counts its active matches up to this many, or up to the page asked for if that is
/// further: more show as "1000+". Counting every match of a common term (thousands, at 100,000
/// users) was most of the work of a new search, and a count past a thousand tells the admin
/// only to type more. The disabled tab's matches are counted exactly (their index is small).
pub const MATCH_COUNT_LIMIT: i64 = 1000;

/// The list's tabs. Pending invitations have a tab of their own, served by `invites`.
/// On the wire (forms, URLs) as its code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserTab {
    #[default]
    Active,
    Disabled,
}

crate::codes!(UserTab {
    Active => "active",
    Disabled => "disabled",
});

/// The list's 2FA filter. On the wire (forms, URLs) as its code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TwoFactorFilter {
    #[default]
    Any,
    On,
    Off,
}

crate::codes!(TwoFactorFilter {
    Any => "any",
    On => "on",
    Off => "off",
});

impl TwoFactorFilter {
    pub fn label(self) -> &'static str {
        match self {
            TwoFactorFilter::Any => "Any",
            TwoFactorFilter::On => "On",
            TwoFactorFilter::Off => "Off",
        }
    }
}

/// What narrows a tab besides the search: the 2FA filter and a role (the home page's counts
/// link to both).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Narrow {
    pub two_factor: TwoFactorFilter,
    pub role: Option<Role>,
}

impl Narrow {
    /// Neither filter is set.
    pub fn is_any(self) -> bool {
        self == Narrow::default()
    }
}

/// Orders the list can be sorted in; each is backed by an index.
/// On the wire (forms, URLs) as its code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserSort {
    /// Last name, first name (the default).
    #[default]
    Name,
    Email,
    /// Newest first.
    Created,
}

crate::codes!(UserSort {
    Name => "name",
    Email => "email",
    Created => "created",
});

impl UserSort {
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
    /// Failed sign-ins are holding sign-ins to this account back (an admin may Unlock it).
    #[serde(default)]
    pub locked: bool,
}

/// How many users each tab holds (for the current search).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TabCounts {
    pub active: i64,
    pub disabled: i64,
    pub pending: i64,
    /// A search's active matches were counted up to `active` and there are more (see
    /// `MATCH_COUNT_LIMIT`).
    #[serde(default)]
    pub active_more: bool,
}

impl TabCounts {
    /// The count of one of the users tabs.
    pub fn of(&self, tab: UserTab) -> i64 {
        match tab {
            UserTab::Active => self.active,
            UserTab::Disabled => self.disabled,
        }
    }

    /// Whether more than `of(tab)` users of that tab match the search.
    pub fn more(&self, tab: UserTab) -> bool {
        tab == UserTab::Active && self.active_more
    }
}

/// A count for people: "1000+" when it is a lower bound.
pub fn count_label(n: i64, more: bool) -> String {
    if more {
        format!("{n}+")
    } else {
        n.to_string()
    }
}

/// One page of the list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserPage {
    pub rows: Vec<UserRow>,
    pub page: i64,
    pub pages: i64,
    /// Rows in this tab matching the search (a lower bound when `more`).
    pub total: i64,
    /// More than `total` rows match (a search counts up to `MATCH_COUNT_LIMIT`, or to this
    /// page); `pages` is then a lower bound too, and there is always a next page.
    #[serde(default)]
    pub more: bool,
    pub counts: TabCounts,
    /// Opaque cursor for the Next link: the next page seeks past this page's last row.
    pub next_after: Option<String>,
    /// Opaque cursor for the Previous link: the previous page seeks back from this page's first row.
    pub prev_before: Option<String>,
}

/// Most users one bulk request may name.
pub const BULK_MAX: usize = 1000;

/// What a bulk request does to each selected user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BulkAction {
    Disable,
    Enable,
    Delete,
}

crate::codes!(BulkAction {
    Disable => "disable",
    Enable => "enable",
    Delete => "delete",
});

impl BulkAction {
    /// The button text.
    pub fn label(self) -> &'static str {
        match self {
            BulkAction::Disable => "Disable access",
            BulkAction::Enable => "Enable access",
            BulkAction::Delete => "Delete",
        }
    }

    /// The one confirmation asked before acting on `count` users.
    pub fn question(self, count: usize) -> String {
        let users = if count == 1 { "user" } else { "users" };
        match self {
            BulkAction::Disable => format!("Disable {count} {users}?"),
            BulkAction::Enable => format!("Enable {count} {users}?"),
            BulkAction::Delete => format!("Delete {count} {users}? This cannot be undone."),
        }
    }

    fn past_tense(self) -> &'static str {
        match self {
            BulkAction::Disable => "disabled",
            BulkAction::Enable => "enabled",
            BulkAction::Delete => "deleted",
        }
    }
}

/// A selected user the bulk action left alone, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedUser {
    pub user_id: i64,
    pub reason: String,
}

/// The outcome of a bulk action: each user was handled on their own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkSummary {
    pub action: BulkAction,
    pub done: usize,
    pub skipped: Vec<SkippedUser>,
    /// "9 disabled; 1 skipped: you cannot disable yourself."
    pub message: String,
}

impl BulkSummary {
    pub fn new(action: BulkAction, done: usize, skipped: Vec<SkippedUser>) -> Self {
        let message = summary_sentence(action, done, &skipped);
        BulkSummary {
            action,
            done,
            skipped,
            message,
        }
    }
}

/// One sentence for the whole run, with skip reasons grouped (first seen first).
fn summary_sentence(action: BulkAction, done: usize, skipped: &[SkippedUser]) -> String {
    let mut sentence = format!("{done} {}", action.past_tense());
    if !skipped.is_empty() {
        let mut groups: Vec<(&str, usize)> = Vec::new();
        for skip in skipped {
            match groups.iter_mut().find(|(reason, _)| *reason == skip.reason) {
                Some((_, n)) => *n += 1,
                None => groups.push((&skip.reason, 1)),
            }
        }
        let reasons: Vec<String> = if groups.len() == 1 {
            vec![as_clause(groups[0].0)]
        } else {
            groups.iter().map(|(r, n)| format!("{} ({n})", as_clause(r))).collect()
        };
        sentence.push_str(&format!("; {} skipped: {}", skipped.len(), reasons.join(", ")));
    }
    sentence.push('.');
    sentence
}

/// "You cannot disable yourself." -> "you cannot disable yourself" (acronyms keep their case).
fn as_clause(reason: &str) -> String {
    let reason = reason.trim().trim_end_matches('.');
    let mut chars = reason.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if first.is_uppercase() && !second.is_uppercase() => {
            first.to_lowercase().chain(reason[first.len_utf8()..].chars()).collect()
        }
        _ => reason.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skip(id: i64, reason: &str) -> SkippedUser {
        SkippedUser {
            user_id: id,
            reason: reason.into(),
        }
    }

    #[test]
    fn summary_names_counts_and_grouped_reasons() {
        let one = BulkSummary::new(BulkAction::Disable, 9, vec![skip(1, "You cannot disable yourself.")]);
        assert_eq!(one.message, "9 disabled; 1 skipped: you cannot disable yourself.");
        let none = BulkSummary::new(BulkAction::Delete, 1000, vec![]);
        assert_eq!(none.message, "1000 deleted.");
        let mixed = BulkSummary::new(
            BulkAction::Enable,
            0,
            vec![
                skip(1, "Access is already enabled."),
                skip(2, "That user no longer exists."),
                skip(3, "Access is already enabled."),
            ],
        );
        assert_eq!(
            mixed.message,
            "0 enabled; 3 skipped: access is already enabled (2), that user no longer exists (1)."
        );
        assert_eq!(as_clause("API keys differ."), "API keys differ");
    }

    #[test]
    fn bulk_codes_round_trip_and_questions() {
        for action in BulkAction::ALL {
            assert_eq!(BulkAction::from_code(action.code()), Some(action));
        }
        assert_eq!(BulkAction::from_code("explode"), None);
        assert_eq!(BulkAction::Disable.question(3), "Disable 3 users?");
        assert_eq!(BulkAction::Delete.question(1), "Delete 1 user? This cannot be undone.");
    }
}
