//! (ssr) A session's deadlines: when it ends if left idle and when it ends at the latest, as
//! the server decides (`service::resolve_viewer`) and as the browser's warning counts down to
//! them (`idle.rs`); "Stay signed in"; the timeouts the login page names.

use super::secrets::token_hash;
use super::store::{self, SessionRecord};
use super::{SessionClock, SessionLimits};
use crate::domain::AppError;
use crate::settings::store as settings;
use crate::state::AppState;

/// The session's deadlines under the timeouts in force now, `last_seen_at` being its last
/// activity. `expires_at` holds the absolute limit in force at sign-in; the current setting
/// applies too, so shortening it ends existing sessions at their next request (a longer one
/// does not outlive the cookie).
pub fn clock(session: &SessionRecord, last_seen_at: i64, now: i64) -> SessionClock {
    let idle_minutes = settings::int_or(
        session.idle_timeout_setting.as_deref(),
        settings::DEFAULT_IDLE_TIMEOUT_MINUTES,
    );
    let absolute_hours = settings::int_or(
        session.absolute_timeout_setting.as_deref(),
        settings::DEFAULT_ABSOLUTE_TIMEOUT_HOURS,
    );
    SessionClock {
        now,
        idle_secs: idle_minutes * 60,
        idle_deadline: last_seen_at + idle_minutes * 60,
        absolute_deadline: session.expires_at.min(session.created_at + absolute_hours * 3600),
    }
}

/// "Stay signed in": the session's last activity becomes now, always (a page load writes it at
/// most once a minute), so the deadline returned is exactly the server's. The caller has
/// checked the session; one that ended since is `Unauthenticated`.
pub async fn stay_signed_in(state: &AppState, token: &str) -> Result<SessionClock, AppError> {
    let pool = &state.db.pool;
    let session = store::find_session(pool, &token_hash(token))
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let now = state.clock.now();
    store::touch_session(pool, session.session_id, now).await?;
    Ok(clock(&session, now, now))
}

/// The timeouts in force (Settings → General).
pub async fn limits(state: &AppState) -> Result<SessionLimits, AppError> {
    let pool = &state.db.pool;
    Ok(SessionLimits {
        idle_minutes: settings::get_i64(
            pool,
            settings::IDLE_TIMEOUT_MINUTES,
            settings::DEFAULT_IDLE_TIMEOUT_MINUTES,
        )
        .await?,
        absolute_hours: settings::get_i64(
            pool,
            settings::ABSOLUTE_TIMEOUT_HOURS,
            settings::DEFAULT_ABSOLUTE_TIMEOUT_HOURS,
        )
        .await?,
    })
}
