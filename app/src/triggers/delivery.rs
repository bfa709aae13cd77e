//! (ssr) Sending what is due in `deliveries`: claim a batch, send each (email integrations
//! hand their message to the mail outbox), record the result under the claim's token. Retries
//! back off from 30 s to an hour for [`RETRY_WINDOW_SECS`]; an integration whose deliveries
//! have all failed for [`PAUSE_AFTER_SECS`] is paused and its owner emailed.

use super::message;
use super::queue::{self, Claimed};
use crate::integrations::send::{self, Outcome};
use crate::integrations::store::{self as integrations, IntegrationRow};
use crate::integrations::IntegrationKind;
use crate::mail::outbox;
use crate::mail::transport::OutgoingEmail;
use crate::state::AppState;
use std::sync::LazyLock;

pub const PAUSE_AFTER_SECS: i64 = 12 * 3600;
const BATCH: i64 = 20;
/// A claim outlives the longest send (connect and request timeouts) with room to spare.
const LEASE_SECS: i64 = 4 * send::REQUEST_TIMEOUT.as_secs() as i64;
const FIRST_RETRY_SECS: i64 = 30;
const MAX_RETRY_SECS: i64 = 3600;

static WAKE: LazyLock<tokio::sync::Notify> = LazyLock::new(tokio::sync::Notify::new);

/// Tells this process's delivery workers to look now (after committing a delivery).
pub fn wake() {
    WAKE.notify_waiters();
}

/// Resolves at the next [`wake`].
pub async fn woken() {
    WAKE.notified().await;
}

/// Seconds before the next try after `failed_attempts` failures: 30 s, 1 min, 2 min, … 1 h.
pub fn retry_delay(failed_attempts: i64) -> i64 {
    let doublings = (failed_attempts - 1).clamp(0, 20) as u32;
    (FIRST_RETRY_SECS << doublings).min(MAX_RETRY_SECS)
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Round {
    pub delivered: usize,
    pub retrying: usize,
    pub failed: usize,
}

impl Round {
    pub fn handled(&self) -> usize {
        self.delivered + self.retrying + self.failed
    }
}

/// One round: claims up to a batch of due deliveries and sends them concurrently.
pub async fn deliver_due(state: &AppState) -> Result<Round, sqlx::Error> {
    let token = crate::auth::secrets::random_token();
    // The lease is compared by every replica: by the database's clock, as the mail outbox's.
    let now = state.db.now(&state.clock).await?;
    let claimed = queue::claim(&state.db.pool, state.db.backend, &token, now, LEASE_SECS, BATCH).await?;
    let mut sends = tokio::task::JoinSet::new();
    for row in claimed {
        let (state, token) = (state.clone(), token.clone());
        sends.spawn(async move { deliver_one(&state, &token, &row).await });
    }
    let mut round = Round::default();
    while let Some(joined) = sends.join_next().await {
        match joined {
            Ok(Ok(Some(true))) => round.delivered += 1,
            Ok(Ok(Some(false))) => round.retrying += 1,
            Ok(Ok(None)) => round.failed += 1,
            Ok(Err(error)) => tracing::error!(%error, "recording a delivery failed"),
            Err(error) => tracing::error!(%error, "a delivery task failed"),
        }
    }
    Ok(round)
}

/// Some(true) delivered, Some(false) to be retried, None failed for good.
async fn deliver_one(state: &AppState, token: &str, row: &Claimed) -> Result<Option<bool>, sqlx::Error> {
    let Some(integration) = integrations::find(&state.db.pool, row.integration_id).await? else {
        return Ok(None); // Deleted meanwhile: its deliveries went with it.
    };
    if integration.kind == IntegrationKind::Email {
        return hand_to_outbox(state, token, row, &integration).await;
    }
    let outcome = send::deliver(state, &integration, &row.event_id, &row.body).await;
    let now = state.clock.now();
    let status = outcome.status().map(i64::from);
    let attempt = row.attempts + 1;
    match outcome {
        Outcome::Delivered { .. } => {
            let mut tx = state.db.begin().await?;
            if queue::mark_delivered(&mut *tx, row.id, token, status, now).await? {
                integrations::note_success(&mut *tx, integration.id).await?;
            }
            tx.commit().await?;
            tracing::info!(
                delivery_id = row.id,
                integration_id = integration.id,
                attempt,
                "delivered"
            );
            Ok(Some(true))
        }
        Outcome::Retry { ref error, .. } | Outcome::Final { ref error, .. } => {
            let last = matches!(outcome, Outcome::Final { .. }) || now >= row.give_up_at;
            let next = now + retry_delay(attempt);
            let mut tx = state.db.begin().await?;
            if queue::mark_failed(&mut *tx, row.id, token, status, error, next, last, now).await? {
                let failing_since = integrations::note_failure(&mut *tx, integration.id, now).await?;
                if now - failing_since >= PAUSE_AFTER_SECS && integrations::pause(&mut *tx, integration.id, now).await?
                {
                    tell_owner_paused(state, &mut tx, &integration, now).await?;
                }
            }
            tx.commit().await?;
            tracing::warn!(delivery_id = row.id, integration_id = integration.id, attempt, last, %error, "not delivered");
            Ok(if last { None } else { Some(false) })
        }
    }
}

/// An email integration: the message goes to the mail outbox (which has its own retries), in
/// the transaction that marks the delivery done, so it is queued exactly once.
async fn hand_to_outbox(
    state: &AppState,
    token: &str,
    row: &Claimed,
    integration: &IntegrationRow,
) -> Result<Option<bool>, sqlx::Error> {
    let now = state.clock.now();
    let body: serde_json::Value = serde_json::from_str(&row.body).unwrap_or_default();
    let (client, console) = match crate::integrations::organisation::message_context(state).await {
        Ok(values) => values,
        Err(error) => {
            tracing::warn!(%error, "cannot read the organisation name or console URL");
            return Ok(Some(false)); // The claim lapses and the row is tried again.
        }
    };
    let message = message::render(&body, &client, &console);
    let mut tx = state.db.begin().await?;
    if !queue::mark_delivered(&mut *tx, row.id, token, None, now).await? {
        return Ok(Some(false)); // Another worker holds it now.
    }
    for to in integration.emails.split(',').filter(|e| !e.is_empty()) {
        outbox::queue(&mut *tx, &message.email(to), now).await?;
    }
    tx.commit().await?;
    state.mail.wake_worker();
    Ok(Some(true))
}

/// "Your integration was paused", to whoever created it, through the mail outbox.
async fn tell_owner_paused(
    state: &AppState,
    tx: &mut crate::db::Tx<'_>,
    integration: &IntegrationRow,
    now: i64,
) -> Result<(), sqlx::Error> {
    let Some(owner) = integration.created_by else {
        return Ok(());
    };
    let Some(user) = crate::auth::store::find_user_by_id(&mut **tx, owner).await? else {
        return Ok(());
    };
    let console = crate::auth::service::public_url(state)
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    let hours = PAUSE_AFTER_SECS / 3600;
    let text = format!(
        "Every delivery to the integration \"{}\" has failed for {hours} hours, so Roster paused it: nothing more is sent to it until it is resumed.\n\nSee its deliveries and resume it under Settings → Integrations: {}/settings/integrations\n",
        integration.name,
        console.trim_end_matches('/')
    );
    let html = format!("<p>{}</p>", crate::mail::templates::escape(&text).replace('\n', "<br>"));
    let mail = OutgoingEmail {
        to: user.email.clone(),
        subject: format!("Roster paused the integration \"{}\"", integration.name),
        text,
        html,
    };
    outbox::queue(&mut **tx, &mail, now).await?;
    state.mail.wake_worker();
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::triggers::event::RETRY_WINDOW_SECS;

    #[test]
    fn retries_back_off_up_to_an_hour_for_a_day() {
        let delays: Vec<i64> = (1..=8).map(super::retry_delay).collect();
        assert_eq!(delays, [30, 60, 120, 240, 480, 960, 1920, 3600]);
        let (mut at, mut attempts) = (0, 0);
        while at < RETRY_WINDOW_SECS {
            attempts += 1;
            at += super::retry_delay(attempts);
        }
        assert!(attempts > 20, "{attempts}");
    }
}
