//! The activity (audit) log: who did what, from where, with what outcome. Every entry is
//! written by `store::record`, inside the transaction of the change, and chained to the one
//! before by a hash (`chain`); the table is append-only (migration 0010). Settings → Activity
//! Log lists, filters, exports and verifies it.

pub mod api;
#[cfg(feature = "ssr")]
pub mod chain;
pub mod diff;
#[cfg(feature = "ssr")]
pub mod export;
pub mod filters;
pub mod kinds;
#[cfg(feature = "ssr")]
pub mod names;
#[cfg(feature = "ssr")]
pub mod retention;
pub mod retention_view;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
pub mod view;

pub use filters::LogQuery;
use serde::{Deserialize, Serialize};

/// One stored entry, with its id. `store::record` returns it (a caller can react to what was
/// just recorded, in the same transaction); the page lists them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Recorded {
    pub id: i64,
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub actor_email: String,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<i64>,
    pub object_name: String,
    pub success: bool,
    pub ip: String,
    pub user_agent: String,
    /// The JSON object written: before/after values, a reason, counts.
    pub details: serde_json::Value,
}

impl Recorded {
    pub fn outcome(&self) -> &'static str {
        if self.success {
            "success"
        } else {
            "failure"
        }
    }

    /// Why a refused action was refused, if the entry says.
    pub fn reason(&self) -> Option<&str> {
        self.details.get("reason").and_then(|r| r.as_str())
    }
}

/// One page of the log, newest first, and the cursors of its neighbours.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogPage {
    pub rows: Vec<LogRow>,
    /// Cursor for the Newer link (None on the newest page).
    pub newer: Option<String>,
    /// Cursor for the Older link (None on the oldest page).
    pub older: Option<String>,
}

/// An entry as the page shows it: with its browser and system read from the user agent on
/// the server (the parser stays out of the browser's code).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogRow {
    pub entry: Recorded,
    pub browser: String,
}

/// What Verify found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyReport {
    /// Entries whose hashes were checked.
    pub checked: i64,
    /// The first break: the id of the entry that was changed or removed.
    pub broken_at: Option<i64>,
}

impl VerifyReport {
    pub fn message(&self) -> String {
        match self.broken_at {
            Some(id) => format!("Entry #{id} was changed or removed."),
            None => format!("The log is intact: {} entries checked.", self.checked),
        }
    }
}

/// Settings → General's "Keep activity entries for", in days.
pub const RETENTION_DAYS_MIN: i64 = 30;
pub const RETENTION_DAYS_MAX: i64 = 7 * 365;
pub const RETENTION_DAYS_DEFAULT: i64 = 400;
