//! (ssr) The durable outbox. Emails are written in the same transaction as the action that
//! causes them; [`deliver_due`] sends what is due, retrying with exponential backoff until the
//! message's deadline (two days), so a mail server that is down for a day loses nothing.
//! Several workers (replicas) can run at once: each email is claimed by one of them at a time
//! (see [`deliver_due`]).

use super::store::{self, ConfigRow, NewEmail, OutboxRow};
use super::templates;
use super::transport::{Mailer, OutgoingEmail, SEND_TIMEOUT};
use crate::crypto;
use crate::state::AppState;
use sqlx::{Any, Executor};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// How long Roster keeps trying to deliver one email.
pub const RETRY_WINDOW_SECS: i64 = 48 * 3600;
/// Emails claimed per round.
const BATCH: i64 = 50;
/// A claimed email is left alone by other workers for this long (well past the send timeout),
/// unless `ROSTER_OUTBOX_LEASE_SECS` says otherwise.
pub const DEFAULT_LEASE_SECS: i64 = 4 * SEND_TIMEOUT.as_secs() as i64;
const FIRST_RETRY_SECS: i64 = 30;
const MAX_RETRY_SECS: i64 = 3600;

/// Stands in a queued email's bodies for its link (see [`Extras::link`]).
pub const LINK_PLACEHOLDER: &str = "{{roster:link}}";

const LINK_PURPOSE: &str = "outbox.link_enc";
const VIA_CONFIG_PURPOSE: &str = "outbox.via_config_enc";

/// What a queued email may carry besides its bodies, sealed with the instance key.
#[derive(Default)]
pub struct Extras<'a> {
    /// A live link (an invitation): the bodies hold [`LINK_PLACEHOLDER`] instead, so the
    /// database holds no working link in clear; it is put in at send time.
    pub link: Option<&'a str>,
    /// Send through this saved configuration, not the current one (a notice about a change of
    /// configuration goes where mail went before it).
    pub via_config: Option<&'a ConfigRow>,
}

/// Writes an email to the outbox. Call inside the transaction of the action that causes it,
/// then [`crate::state::MailRuntime::wake_worker`] after the commit.
pub async fn queue<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    email: &OutgoingEmail,
    now: i64,
) -> Result<i64, sqlx::Error> {
    enqueue(exec, email, None, None, now).await
}

/// [`queue`] with sealed extras; `key` is the instance key.
pub async fn queue_with<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    email: &OutgoingEmail,
    extras: Extras<'_>,
    key: &[u8; 32],
    now: i64,
) -> Result<i64, sqlx::Error> {
    let link_enc = extras.link.map(|link| crypto::seal(key, LINK_PURPOSE, link));
    let via_config_enc = extras.via_config.map(|row| {
        let json = serde_json::to_string(row).expect("a configuration row serialises");
        crypto::seal(key, VIA_CONFIG_PURPOSE, &json)
    });
    enqueue(exec, email, link_enc.as_deref(), via_config_enc.as_deref(), now).await
}

async fn enqueue<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    email: &OutgoingEmail,
    link_enc: Option<&str>,
    via_config_enc: Option<&str>,
    now: i64,
) -> Result<i64, sqlx::Error> {
    let row = NewEmail {
        recipient: &email.to,
        subject: &email.subject,
        body_text: &email.text,
        body_html: &email.html,
        link_enc,
        via_config_enc,
        now,
        give_up_at: now + RETRY_WINDOW_SECS,
    };
    store::enqueue(exec, &row).await
}

/// Seconds before the next try after `failed_attempts` failures: 30 s, 1 min, 2 min, … 1 h.
pub fn retry_delay(failed_attempts: i64) -> i64 {
    let doublings = (failed_attempts - 1).clamp(0, 20) as u32;
    (FIRST_RETRY_SECS << doublings).min(MAX_RETRY_SECS)
}

/// What one round did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Round {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
}

impl Round {
    pub fn handled(&self) -> usize {
        self.sent + self.retrying + self.failed
    }
}

/// How long a worker that is shutting down waits for its sends in flight before it gives
/// the rest back to the queue.
pub const DRAIN: Duration = Duration::from_secs(20);

/// Sends every email that is due now. With no mailer configured nothing is attempted; emails
/// that waited past their deadline are marked failed.
///
/// Emails are claimed as a batch under one random token, for the lease
/// (`ROSTER_OUTBOX_LEASE_SECS`), by the database's clock; a result is written only while the
/// row still carries this round's token. Once `stopping` is cancelled no new round starts, and
/// sends still in flight after [`DRAIN`] are stopped and their emails given back.
pub async fn deliver_due(state: &AppState, stopping: &CancellationToken) -> Result<Round, sqlx::Error> {
    let now = state.db.now(&state.clock).await?;
    let mailer = match super::service::current_mailer(state).await? {
        Some(Ok(mailer)) => mailer,
        Some(Err(error)) => {
            tracing::warn!(%error, "the saved email configuration cannot be used");
            return Ok(Round::default());
        }
        None => {
            let reason = "No email service was configured (Settings → Email Configuration).";
            let failed = store::expire_unsendable(&state.db.pool, now, reason).await?;
            return Ok(Round {
                failed: failed as usize,
                ..Round::default()
            });
        }
    };
    let token = crate::auth::secrets::random_token();
    let lease_until = now + state.config.outbox_lease_secs;
    let claimed = store::claim_due(&state.db.pool, state.db.backend, &token, now, lease_until, BATCH).await?;
    if claimed.is_empty() {
        return Ok(Round::default());
    }
    let started = Instant::now();
    // Sent concurrently; the SMTP pool bounds the number of connections.
    let mut sends = tokio::task::JoinSet::new();
    let message_ids = MessageIds::new(state.config.key());
    for row in claimed {
        let mailer = mailer.clone();
        let state = state.clone();
        let message_id = message_ids.of(&row, &mailer);
        sends.spawn(async move {
            let result = send_row(&state, &mailer, &row, &message_id).await;
            (row, result)
        });
    }
    let drained = async {
        stopping.cancelled().await;
        tokio::time::sleep(DRAIN).await;
    };
    tokio::pin!(drained);
    let mut round = Round::default();
    loop {
        let joined = tokio::select! {
            joined = sends.join_next() => joined,
            _ = &mut drained => {
                sends.abort_all();
                let released = store::release(&state.db.pool, &token).await?;
                tracing::warn!(released, "shutting down: emails still being sent were given back to the queue");
                break;
            }
        };
        let Some(joined) = joined else { break };
        let Ok((row, result)) = joined else { continue };
        let at = now + started.elapsed().as_secs() as i64;
        // A database error here must not drop the other sends of the round: it is logged, and
        // the email stays claimed until the lease ends, then goes out again (same Message-ID).
        if let Err(error) = record_result(state, &token, &row, result, at, &mut round).await {
            tracing::error!(outbox_id = row.id, %error, "could not record an email's delivery");
        }
    }
    Ok(round)
}

async fn record_result(
    state: &AppState,
    token: &str,
    row: &OutboxRow,
    result: Result<(), String>,
    at: i64,
    round: &mut Round,
) -> Result<(), sqlx::Error> {
    let pool = &state.db.pool;
    match result {
        Ok(()) => {
            let kept = store::mark_sent(pool, row.id, token, at).await?;
            tracing::info!(outbox_id = row.id, to = %row.recipient, "email sent");
            round.sent += 1;
            if !kept {
                tracing::warn!(outbox_id = row.id, "the email's lease ran out while it was being sent");
            }
            crate::metrics::outbox_attempt("sent");
        }
        Err(error) => {
            let failed_attempts = row.attempts + 1;
            let give_up = at >= row.give_up_at;
            let next = at + retry_delay(failed_attempts);
            let kept = store::mark_attempt_failed(pool, row.id, token, &error, next, give_up).await?;
            tracing::warn!(outbox_id = row.id, to = %row.recipient, attempt = failed_attempts, give_up, kept, %error, "email not sent");
            if give_up {
                round.failed += 1;
            } else {
                round.retrying += 1;
            }
            crate::metrics::outbox_attempt(if give_up { "failed" } else { "retrying" });
        }
    }
    Ok(())
}

/// Each outbox row's `Message-ID`, the same on every attempt, so a copy sent twice (a worker
/// that died after sending, before recording it) is recognisable as one message. The instance
/// part keeps two Roster installations' ids apart.
struct MessageIds {
    instance: String,
}

impl MessageIds {
    fn new(key: &[u8; 32]) -> MessageIds {
        MessageIds {
            instance: crypto::key_check(key)[..12].to_string(),
        }
    }

    fn of(&self, row: &OutboxRow, mailer: &Mailer) -> String {
        format!(
            "<outbox.{}.{}.{}@{}>",
            row.id,
            row.created_at,
            self.instance,
            mailer.sender_domain()
        )
    }
}

async fn send_row(state: &AppState, current: &Mailer, row: &OutboxRow, message_id: &str) -> Result<(), String> {
    let key = state.config.key();
    let unreadable = "it cannot be decrypted: ROSTER_SECRET_KEY changed since it was queued";
    let (mut text, mut html) = (row.body_text.clone(), row.body_html.clone());
    if let Some(sealed) = &row.link_enc {
        let link = crypto::open(key, LINK_PURPOSE, sealed).ok_or_else(|| format!("the email's link: {unreadable}"))?;
        text = text.replace(LINK_PLACEHOLDER, &link);
        html = html.replace(LINK_PLACEHOLDER, &templates::escape(&link));
    }
    let email = OutgoingEmail {
        to: row.recipient.clone(),
        subject: row.subject.clone(),
        text,
        html,
    };
    match &row.via_config_enc {
        None => current.send_as(&email, Some(message_id)).await,
        Some(sealed) => {
            let json = crypto::open(key, VIA_CONFIG_PURPOSE, sealed)
                .ok_or_else(|| format!("the configuration to send through: {unreadable}"))?;
            let config: ConfigRow =
                serde_json::from_str(&json).map_err(|e| format!("the configuration to send through: {e}"))?;
            super::service::one_off_mailer(state, &config)?
                .send_as(&email, Some(message_id))
                .await
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn retries_back_off_exponentially_up_to_an_hour() {
        let delays: Vec<i64> = (1..=9).map(super::retry_delay).collect();
        assert_eq!(delays, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(super::retry_delay(500), 3600);
        // Two days of retries: dozens of attempts, not a handful.
        let mut at = 0;
        let mut attempts = 0;
        while at < super::RETRY_WINDOW_SECS {
            attempts += 1;
            at += super::retry_delay(attempts);
        }
        assert!(attempts > 40, "{attempts}");
    }
}
