//! (ssr) Attempt limits: failed sign-ins per email and per client address, and test emails per
//! admin. An attempt is counted before the work it guards (a password hash, a connection to a
//! mail server), in one atomic statement, so parallel requests cannot all slip under a limit
//! that each checked before any of them was recorded. A correct password gives its attempt back.
//!
//! Refusals cost no hashing, so they must not cost a database row each either: the first
//! refusal of a window is logged as it happens; the rest are counted in the window's row and
//! logged as one summary when the window is removed (by the next attempt after it, or by
//! [`prune`]).

use super::store::{self, EndedWindow};
use crate::activity::store::{self as activity, Entry};
use crate::state::AppState;

/// One kind of limit: at most `max` attempts per key in a fixed window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    pub scope: &'static str,
    pub max: i64,
    pub window_secs: i64,
}

/// Failed sign-ins (and own-password confirmations) for one email.
pub const PER_EMAIL: Limit = Limit {
    scope: "email",
    max: 10,
    window_secs: 15 * 60,
};
/// Failed sign-ins from one client address, whatever the email.
pub const PER_ADDRESS: Limit = Limit {
    scope: "ip",
    max: 50,
    window_secs: 15 * 60,
};
/// Test emails one admin may send.
pub const MAIL_TESTS: Limit = Limit {
    scope: "mail_test",
    max: 5,
    window_secs: 60,
};

/// "Forgot password?" requests for one email: beyond it the answer is the same, and nothing is
/// sent, so nobody can flood a mailbox through Roster.
pub const PASSWORD_RESETS: Limit = Limit {
    scope: "password_reset",
    max: 3,
    window_secs: 3600,
};
/// "Forgot password?" requests from one client address, whatever the email.
pub const PASSWORD_RESETS_PER_ADDRESS: Limit = Limit {
    scope: "password_reset_ip",
    max: 30,
    window_secs: 3600,
};

/// Attempts counted against their limits, to give back if the attempt succeeds.
#[must_use]
pub struct Reservation {
    counted: Vec<(Limit, String)>,
}

/// Whether the attempt may go ahead.
pub enum Admission {
    Reserved(Reservation),
    /// Over `limit`; `first` is true for the window's first refusal (the one that is logged).
    Refused {
        limit: Limit,
        first: bool,
    },
}

/// Counts one attempt against each `(limit, key)` (empty keys are skipped: an unknown client
/// address is no key). Every count stands, even when a later one refuses: a refused attempt is
/// still an attempt.
pub async fn reserve(state: &AppState, keys: &[(Limit, &str)]) -> Result<Admission, sqlx::Error> {
    let now = state.clock.now();
    let mut counted = Vec::new();
    let mut refused = None;
    for &(limit, key) in keys.iter().filter(|(_, key)| !key.is_empty()) {
        let cutoff = now - limit.window_secs;
        for ended in store::take_ended_windows(&state.db.pool, limit.scope, cutoff, Some(key)).await? {
            log_refusals(state, limit, &ended).await?;
        }
        let hits = store::count_attempt(&state.db.pool, limit.scope, key, now, cutoff).await?;
        counted.push((limit, key.to_string()));
        if hits > limit.max && refused.is_none() {
            refused = Some(Admission::Refused {
                limit,
                first: hits == limit.max + 1,
            });
        }
    }
    Ok(refused.unwrap_or(Admission::Reserved(Reservation { counted })))
}

/// Gives the reserved attempts back: the attempt turned out not to be a failure.
pub async fn release(state: &AppState, reservation: Reservation) -> Result<(), sqlx::Error> {
    for (limit, key) in reservation.counted {
        store::uncount_attempt(&state.db.pool, limit.scope, &key).await?;
    }
    Ok(())
}

/// Keeps the reserved attempts: the attempt failed.
pub fn keep(reservation: Reservation) {
    drop(reservation.counted);
}

/// Ends the sign-in counter of this email (a password reset, `roster admin … --unlock`). Its
/// refusals are logged as when the window ends by itself.
pub async fn clear(state: &AppState, email: &str) -> Result<(), sqlx::Error> {
    for ended in store::take_ended_windows(&state.db.pool, PER_EMAIL.scope, i64::MAX, Some(email)).await? {
        log_refusals(state, PER_EMAIL, &ended).await?;
    }
    Ok(())
}

/// Removes every window that has passed (logging its refusals) and sessions past their
/// absolute limit. Run periodically; safe to run on several replicas at once, since each
/// window is removed, and so reported, by exactly one of them.
pub async fn prune(state: &AppState) -> Result<PruneReport, sqlx::Error> {
    let now = state.clock.now();
    let mut report = PruneReport::default();
    for limit in [
        PER_EMAIL,
        PER_ADDRESS,
        MAIL_TESTS,
        PASSWORD_RESETS,
        PASSWORD_RESETS_PER_ADDRESS,
    ] {
        let ended = store::take_ended_windows(&state.db.pool, limit.scope, now - limit.window_secs, None).await?;
        for window in &ended {
            log_refusals(state, limit, window).await?;
        }
        report.windows += ended.len() as u64;
    }
    let absolute_hours = crate::settings::store::get_i64(
        &state.db.pool,
        crate::settings::store::ABSOLUTE_TIMEOUT_HOURS,
        crate::settings::store::DEFAULT_ABSOLUTE_TIMEOUT_HOURS,
    )
    .await?;
    let started_cutoff = now - absolute_hours * 3600;
    report.sessions = store::delete_expired_sessions(&state.db.pool, now, started_cutoff).await?;
    super::challenges::delete_expired(&state.db.pool, now).await?;
    crate::two_factor::store::delete_expired_enrolments(&state.db.pool, now).await?;
    Ok(report)
}

/// What one [`prune`] removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PruneReport {
    pub windows: u64,
    pub sessions: u64,
}

/// One activity entry for the refusals of a sign-in window beyond its first (which was logged
/// when it happened).
async fn log_refusals(state: &AppState, limit: Limit, window: &EndedWindow) -> Result<(), sqlx::Error> {
    let unlogged = window.hits - limit.max - 1;
    // Only sign-in windows: the others refuse nothing a person should look into.
    if unlogged <= 0 || ![PER_EMAIL, PER_ADDRESS].contains(&limit) {
        return Ok(());
    }
    let (actor_email, ip) = match limit.scope {
        "email" => (window.key.as_str(), ""),
        _ => ("", window.key.as_str()),
    };
    let details = serde_json::json!({
        "reason": "too many failed attempts",
        "refused": unlogged,
        "window_start": window.window_start,
        "window_end": window.window_start + limit.window_secs,
        "limit": limit.scope,
    });
    activity::record(
        &state.db.pool,
        &Entry {
            at: state.clock.now(),
            actor_email,
            action: "auth.login_refused",
            object_type: "session",
            success: false,
            ip,
            details: details.to_string(),
            ..Entry::default()
        },
    )
    .await
}
