//! (ssr) What a sign-in tells the account's owner: a sign-in from a browser the account has not
//! used before, and an attack on the account's email (its sign-ins are being slowed down).

use super::service::{full_name, public_url};
use super::store::UserRecord;
use crate::activity::store::{self as activity, Entry};
use crate::context::RequestMeta;
use crate::db::Tx;
use crate::domain::AppError;
use crate::mail::notices::{security_notice, SecurityNotice};
use crate::mail::outbox;
use crate::state::AppState;

/// Where an account's owner sees and ends their sessions.
pub const SESSIONS_PATH: &str = "/profile/security";

/// Queues "New sign-in to your Roster account", in the transaction that starts the session.
pub async fn new_device(
    state: &AppState,
    tx: &mut Tx<'_>,
    user: &UserRecord,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    let now = state.clock.now();
    let link = sessions_link(state).await?;
    let mail = security_notice(&SecurityNotice {
        link_label: "See your sessions",
        link: &link,
        advice:
            "If this was not you, end that session on the page above, change your password, and tell an administrator.",
        ..SecurityNotice::from_request(
            &user.email,
            &user.first_name,
            "New sign-in to your Roster account",
            "Your Roster account was signed in to from a browser it has not used before.",
            now,
            meta,
        )
    });
    outbox::queue(&mut **tx, &mail, now).await?;
    Ok(())
}

/// The attempt that started slowing sign-ins to this account down: one activity entry and one
/// email to the owner per window, whatever the attack's size.
pub async fn report(state: &AppState, user: &UserRecord, meta: &RequestMeta) -> Result<(), AppError> {
    let now = state.clock.now();
    let attempts = super::limits::PER_EMAIL.max + 1;
    let window_minutes = super::limits::PER_EMAIL.window_secs / 60;
    let name = full_name(user);
    let what = format!(
        "{attempts} failed sign-in attempts to your account in the last hour. Until the attempts stop, \
         sign-ins to it from browsers that have not signed in to it before are slowed down; yours still work."
    );
    let subject = "Failed sign-in attempts to your Roster account";
    let mail = security_notice(&SecurityNotice::from_request(
        &user.email,
        &user.first_name,
        subject,
        &what,
        now,
        meta,
    ));
    let details = serde_json::json!({
        "failed_attempts": attempts,
        "window_minutes": window_minutes,
        "last_attempt_from": meta.ip,
    });
    let mut tx = state.db.begin().await?;
    activity::record(
        &mut tx,
        &Entry {
            at: now,
            action: "auth.sign_in_locked",
            object_type: "user",
            object_id: Some(user.id),
            object_name: &name,
            actor_email: &user.email,
            success: false,
            ip: &meta.ip,
            user_agent: &meta.user_agent,
            details: details.to_string(),
            ..Entry::default()
        },
    )
    .await?;
    outbox::queue(&mut *tx, &mail, now).await?;
    tx.commit().await?;
    state.mail.wake_worker();
    Ok(())
}

async fn sessions_link(state: &AppState) -> Result<String, AppError> {
    Ok(public_url(state)
        .await?
        .map(|url| format!("{}{SESSIONS_PATH}", url.trim_end_matches('/')))
        .unwrap_or_default())
}
