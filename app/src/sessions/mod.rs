//! Profile → Security: the signed-in user's active sessions (sign out one, or all others) and
//! their sign-in history; and an admin's view of one user's sessions (end them all).
//!
//! The `sessions` table belongs to `auth` (it creates, checks and deletes sessions); this
//! area only reads it (`store.rs`) and asks `auth::store` to delete. The history is read
//! through `auth::history::for_user`.

pub mod api;
pub mod view;

#[cfg(feature = "ssr")]
pub mod agent;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;

use crate::auth::SignInOutcome;
use serde::{Deserialize, Serialize};

/// How many sign-in attempts the history page shows at most (the newest).
pub const HISTORY_LIMIT: i64 = 500;

/// A browser as its user agent names it, parsed on the server.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    /// E.g. "Firefox 121", or "Unknown browser".
    pub browser: String,
    /// E.g. "Linux", "Windows 10", or "Unknown operating system".
    pub os: String,
}

impl Device {
    /// "Firefox 121 on Linux".
    pub fn summary(&self) -> String {
        format!("{} on {}", self.browser, self.os)
    }
}

/// One live session of a user.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub id: i64,
    pub device: Device,
    pub ip: String,
    pub created_at: i64,
    /// Updated at most once a minute (see `auth::service::resolve_viewer`).
    pub last_seen_at: i64,
    /// The session of the request that asked (the caller's own browser).
    pub current: bool,
}

/// One row of the sign-in history, as the page shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub at: i64,
    pub ip: String,
    pub device: Device,
    pub outcome: SignInOutcome,
}

/// One user's sessions, for an admin.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserSessionList {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub sessions: Vec<SessionInfo>,
}
