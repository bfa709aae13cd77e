//! The console's home page: for those who can view users, the counts an admin checks first
//! (each linking to the filtered list), email delivery health and a week of sign-ins; for
//! everyone else, their own profile summary.

pub mod api;
#[cfg(feature = "ssr")]
pub mod chart;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
pub mod view;

use crate::domain::Role;
use serde::{Deserialize, Serialize};

/// The chart covers this many hours, ending with the current one.
pub const CHART_HOURS: i64 = 7 * 24;

/// What the home page shows the viewer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Overview {
    /// The viewer may view users.
    Team(TeamOverview),
    /// Anyone else: their own account.
    Own(ProfileSummary),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TeamOverview {
    /// Active users of every role, in `Role::ALL` order (zeros included).
    pub active_by_role: Vec<(Role, i64)>,
    pub pending_invites: i64,
    /// Pending invitations whose link expires within 24 hours.
    pub expiring_soon: i64,
    /// Active users who have not turned 2FA on.
    pub without_two_factor: i64,
    pub disabled: i64,
    pub mail: MailHealth,
    pub sign_ins: SignInChart,
    /// `sign_ins` drawn as an SVG element (markup made on the server, `chart::svg`: the browser
    /// build carries no chart code).
    pub chart_svg: String,
}

/// The outbox as an admin wants it summed up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailHealth {
    /// Waiting for their first attempt.
    pub queued: i64,
    /// Failed at least once and will be tried again.
    pub retrying: i64,
    /// Given up on during the last 24 hours.
    pub failed_recently: i64,
}

/// Sign-ins per hour: `hours[i]` is the hour starting at `first_hour + i * 3600` (unix
/// seconds, UTC), the last one being the current hour.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInChart {
    pub first_hour: i64,
    pub hours: Vec<HourCount>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HourCount {
    pub succeeded: i64,
    pub failed: i64,
}

impl SignInChart {
    pub fn total(&self) -> HourCount {
        self.hours.iter().fold(HourCount::default(), |sum, h| HourCount {
            succeeded: sum.succeeded + h.succeeded,
            failed: sum.failed + h.failed,
        })
    }
}

/// The viewer's own account, for those who cannot view users.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProfileSummary {
    pub name: String,
    pub email: String,
    pub role: Role,
    pub two_factor: bool,
}
