//! Settings → General: logout timeouts and the console URL, stored as key/value rows.

pub mod api;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
pub mod view;

use serde::{Deserialize, Serialize};

/// The idle timeout's range in minutes: 5 minutes to 24 hours.
pub const IDLE_MINUTES_MIN: i64 = 5;
pub const IDLE_MINUTES_MAX: i64 = 24 * 60;
/// The absolute timeout's range in hours: 1 hour to 30 days.
pub const ABSOLUTE_HOURS_MIN: i64 = 1;
pub const ABSOLUTE_HOURS_MAX: i64 = 30 * 24;

/// What Settings → General shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeneralSettings {
    pub idle_timeout_minutes: i64,
    pub absolute_timeout_hours: i64,
    /// The console URL in effect: ROSTER_PUBLIC_URL's when set, else the saved one.
    pub console_url: String,
    /// True when ROSTER_PUBLIC_URL sets the console URL, so the page cannot change it.
    pub console_url_fixed: bool,
}

/// The timeouts form as typed: text, so a value that is not a number gets its own message
/// instead of failing to decode.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeoutsForm {
    #[serde(default)]
    pub idle_timeout_minutes: String,
    #[serde(default)]
    pub absolute_timeout_hours: String,
}
