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
use crate::context::RequestMeta;
use crate::state::AppState;

/// What happens to attempts beyond a limit's `max` in its window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Over {
    /// Refused until the window ends.
    Refuse,
    /// Admitted one at a time, each [`SLOW_DELAYS`] after the last admitted one: guessing
    /// slows to a crawl, but the owner is never locked out for good.
    Slow,
}

/// Seconds between admitted attempts beyond a slowed limit's `max`: the first, the second, …,
/// and every one after.
pub const SLOW_DELAYS: [i64; 6] = [1, 2, 4, 8, 16, 30];

/// One kind of limit: at most `max` attempts per key in a fixed window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    pub scope: &'static str,
    pub max: i64,
    pub window_secs: i64,
    pub over: Over,
}

/// Failed sign-ins (and own-password confirmations) for one email from one client network
/// (an IPv4 /24, an IPv6 /64): an attacker's network is refused without touching anyone else's.
pub const PER_EMAIL_NETWORK: Limit = Limit {
    scope: "email_net",
    max: 10,
    window_secs: 15 * 60,
    over: Over::Refuse,
};
/// Failed sign-ins for one email from every network together: slowed, not refused, so that
/// nobody can lock the owner out by guessing wrong on purpose.
pub const PER_EMAIL: Limit = Limit {
    scope: "email",
    max: 10,
    window_secs: 3600,
    over: Over::Slow,
};
/// Failed sign-ins for one email from a browser that has signed in to that account before
/// (its device cookie): it keeps this budget of its own while the email is under attack.
pub const PER_DEVICE: Limit = Limit {
    scope: "device",
    max: 10,
    window_secs: 15 * 60,
    over: Over::Refuse,
};
/// The limits kept per email (keyed by the email, or "email …"): what Unlock clears and what
/// makes an account Locked.
const EMAIL_LIMITS: [Limit; 3] = [PER_EMAIL, PER_EMAIL_NETWORK, PER_DEVICE];

/// Failed sign-ins from one client address, whatever the email.
pub const PER_ADDRESS: Limit = Limit {
    scope: "ip",
    max: 50,
    window_secs: 15 * 60,
    over: Over::Refuse,
};
/// Test emails one admin may send.
pub const MAIL_TESTS: Limit = Limit {
    scope: "mail_test",
    max: 5,
    window_secs: 60,
    over: Over::Refuse,
};

/// "Forgot password?" requests for one email: beyond it the answer is the same, and nothing is
/// sent, so nobody can flood a mailbox through Roster.
pub const PASSWORD_RESETS: Limit = Limit {
    scope: "password_reset",
    max: 3,
    window_secs: 3600,
    over: Over::Refuse,
};
/// "Forgot password?" requests from one client address, whatever the email.
pub const PASSWORD_RESETS_PER_ADDRESS: Limit = Limit {
    scope: "password_reset_ip",
    max: 30,
    window_secs: 3600,
    over: Over::Refuse,
};

/// Attempts counted against their limits, to give back if the attempt succeeds.
#[must_use]
pub struct Reservation {
    counted: Vec<(Limit, String)>,
    /// This attempt took a slowed limit past its `max`: the account's email is under attack.
    pub started_slowing: bool,
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

/// The limits one sign-in attempt for `email` counts against. A browser that has signed in to
/// this account before has a budget of its own; any other counts against its network's, the
/// email's (slowed) and its address's.
pub async fn sign_in_keys(
    state: &AppState,
    email: &str,
    meta: &RequestMeta,
) -> Result<Vec<(Limit, String)>, sqlx::Error> {
    if let Some(device) = meta.device.as_deref() {
        let device_hash = super::secrets::token_hash(device);
        if super::devices::is_known_for_email(&state.db.pool, email, &device_hash).await? {
            return Ok(vec![(PER_DEVICE, format!("{email} {device_hash}"))]);
        }
    }
    // The slowed limit last: an attempt the others refuse does not take its turn.
    Ok(vec![
        (PER_EMAIL_NETWORK, format!("{email} {}", network_of(&meta.ip))),
        (PER_ADDRESS, meta.ip.clone()),
        (PER_EMAIL, email.to_string()),
    ])
}

/// The client's network: its IPv4 /24 or IPv6 /64 (one household or office), or the address
/// as given when it does not parse.
pub fn network_of(ip: &str) -> String {
    match ip.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(v4)) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0/24")
        }
        Ok(std::net::IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Err(_) => ip.to_string(),
    }
}

/// Counts one attempt against each `(limit, key)` (empty keys are skipped: an unknown client
/// address is no key). Every count stands, even when a later one refuses: a refused attempt is
/// still an attempt. An attempt already refused does not take a slowed limit's turn, though:
/// an attacker refused by their own network's limit leaves the email's next slot to others.
pub async fn reserve<K: AsRef<str>>(state: &AppState, keys: &[(Limit, K)]) -> Result<Admission, sqlx::Error> {
    let now = state.clock.now();
    let mut counted = Vec::new();
    let mut refused = None;
    let mut started_slowing = false;
    for (limit, key) in keys
        .iter()
        .map(|(l, k)| (*l, k.as_ref()))
        .filter(|(_, key)| !key.is_empty())
    {
        if limit.over == Over::Slow && refused.is_some() {
            continue;
        }
        let cutoff = now - limit.window_secs;
        for ended in store::take_ended_windows(&state.db.pool, limit.scope, cutoff, Some(key)).await? {
            let mut tx = state.db.begin().await?;
            log_refusals(&mut tx, now, limit, &ended).await?;
            tx.commit().await?;
        }
        let (admitted, first_refusal) = match limit.over {
            Over::Refuse => {
                let hits = store::count_attempt(&state.db.pool, limit.scope, key, now, cutoff).await?;
                (hits <= limit.max, hits == limit.max + 1)
            }
            Over::Slow => {
                let counted = store::count_slowed_attempt(&state.db.pool, limit, key, now, cutoff).await?;
                started_slowing |= counted.admitted && counted.hits - counted.refusals == limit.max + 1;
                (counted.admitted, counted.refusals == 1)
            }
        };
        counted.push((limit, key.to_string()));
        if !admitted && refused.is_none() {
            refused = Some(Admission::Refused {
                limit,
                first: first_refusal,
            });
        }
    }
    Ok(refused.unwrap_or(Admission::Reserved(Reservation {
        counted,
        started_slowing,
    })))
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

/// Ends every sign-in counter of this email: the email's own, its networks' and its known
/// devices' (a password reset, `roster admin … --unlock`). Refusals are logged as when a
/// window ends by itself.
pub async fn clear(state: &AppState, email: &str) -> Result<(), sqlx::Error> {
    let mut tx = state.db.begin().await?;
    clear_in(&mut tx, state.clock.now(), email).await?;
    tx.commit().await
}

/// [`clear`] inside a transaction (an admin's Unlock). Returns whether the email was locked
/// (see [`locked_among`]).
pub async fn clear_in(tx: &mut crate::db::Tx<'_>, now: i64, email: &str) -> Result<bool, sqlx::Error> {
    let mut was_locked = false;
    for (scope, ended) in store::take_windows_of_email(&mut **tx, email).await? {
        let Some(limit) = email_limit(&scope) else { continue };
        was_locked |= holds_back(limit, &ended, now);
        log_refusals(tx, now, limit, &ended).await?;
    }
    Ok(was_locked)
}

/// The per-email limit whose windows have this scope.
fn email_limit(scope: &str) -> Option<Limit> {
    EMAIL_LIMITS.into_iter().find(|l| l.scope == scope)
}

/// Which of these emails are locked now: some window of theirs refuses or slows down their
/// sign-ins (from some network, from a known browser, or from everywhere). The users list
/// marks them, and Unlock clears them.
pub async fn locked_among<'c, E: sqlx::Executor<'c, Database = sqlx::Any>>(
    exec: E,
    emails: &[&str],
    now: i64,
) -> Result<std::collections::HashSet<String>, sqlx::Error> {
    let longest = EMAIL_LIMITS
        .map(|l| l.window_secs)
        .into_iter()
        .max()
        .unwrap_or_default();
    let windows = store::windows_of_emails(exec, emails, now - longest).await?;
    Ok(windows
        .iter()
        .filter(|(scope, window)| email_limit(scope).is_some_and(|limit| holds_back(limit, window, now)))
        .filter_map(|(_, window)| {
            let email = window.key.split(' ').next().unwrap_or_default();
            emails.iter().find(|e| **e == email).map(|e| e.to_string())
        })
        .collect())
}

/// Whether this window is holding sign-ins back now: refusing them, or slowing them down.
pub fn holds_back(limit: Limit, window: &EndedWindow, now: i64) -> bool {
    let admitted = match limit.over {
        Over::Refuse => window.hits,
        Over::Slow => window.hits - window.refusals,
    };
    admitted > limit.max && window.window_start > now - limit.window_secs
}

/// Removes every window that has passed (logging its refusals) and sessions past their
/// absolute limit. Run periodically; safe to run on several replicas at once, since each
/// window is removed, and so reported, by exactly one of them.
pub async fn prune(state: &AppState) -> Result<PruneReport, sqlx::Error> {
    let now = state.clock.now();
    let mut report = PruneReport::default();
    for limit in [
        PER_EMAIL,
        PER_EMAIL_NETWORK,
        PER_DEVICE,
        PER_ADDRESS,
        MAIL_TESTS,
        PASSWORD_RESETS,
        PASSWORD_RESETS_PER_ADDRESS,
    ] {
        let ended = store::take_ended_windows(&state.db.pool, limit.scope, now - limit.window_secs, None).await?;
        for window in &ended {
            let mut tx = state.db.begin().await?;
            log_refusals(&mut tx, now, limit, window).await?;
            tx.commit().await?;
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
    report.history = super::history::prune(&state.db.pool, now).await?;
    super::devices::prune(&state.db.pool, now).await?;
    Ok(report)
}

/// What one [`prune`] removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PruneReport {
    pub windows: u64,
    pub sessions: u64,
    /// Sign-in history entries past their retention.
    pub history: u64,
}

/// One activity entry for the refusals of a sign-in window beyond its first (which was logged
/// when it happened).
async fn log_refusals(
    conn: &mut sqlx::AnyConnection,
    now: i64,
    limit: Limit,
    window: &EndedWindow,
) -> Result<(), sqlx::Error> {
    let unlogged = match limit.over {
        Over::Refuse => window.hits - limit.max - 1,
        Over::Slow => window.refusals - 1,
    };
    // Only sign-in windows: the others refuse nothing a person should look into.
    if unlogged <= 0 || !(EMAIL_LIMITS.contains(&limit) || limit == PER_ADDRESS) {
        return Ok(());
    }
    // Keys are "email", "email network", "email device" or an address.
    let (actor_email, ip) = match limit.scope {
        "ip" => ("", window.key.as_str()),
        "email_net" => window.key.split_once(' ').unwrap_or((window.key.as_str(), "")),
        _ => (window.key.split(' ').next().unwrap_or_default(), ""),
    };
    let details = serde_json::json!({
        "reason": "too many failed attempts",
        "refused": unlogged,
        "window_start": window.window_start,
        "window_end": window.window_start + limit.window_secs,
        "limit": limit.scope,
    });
    activity::record(
        conn,
        &Entry {
            at: now,
            actor_email,
            action: "auth.login_refused",
            object_type: "session",
            success: false,
            ip,
            details: details.to_string(),
            ..Entry::default()
        },
    )
    .await?;
    Ok(())
}
