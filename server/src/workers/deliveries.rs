//! The delivery worker: sends trigger notifications (webhooks, Slack; email through the mail
//! outbox) from the `deliveries` queue. It looks when woken (`triggers::delivery::wake`) and
//! otherwise polls, so retries and rows queued by other replicas go out too. Once `stopping`
//! turns true it claims nothing more; a round under way finishes its sends.

use super::WorkerHandle;
use app::state::AppState;
use app::triggers::delivery::{deliver_due, woken};
use std::time::Duration;
use tokio::sync::watch;
use tracing::Instrument;

pub fn spawn(state: AppState, poll: Duration, mut stopping: watch::Receiver<bool>) -> WorkerHandle {
    WorkerHandle::new(tokio::spawn(async move {
        while !*stopping.borrow() {
            let round = deliver_due(&state).instrument(tracing::info_span!("deliveries_round"));
            let busy = match round.await {
                Ok(round) => {
                    if round.handled() > 0 {
                        tracing::debug!(?round, "deliveries round");
                    }
                    round.handled() > 0
                }
                Err(error) => {
                    tracing::error!(%error, "deliveries round failed");
                    false
                }
            };
            // After a busy round look again at once: more may be due.
            if !busy {
                tokio::select! {
                    // Woken from inside a transaction that has yet to commit: give it a moment.
                    _ = woken() => tokio::time::sleep(Duration::from_millis(100)).await,
                    _ = tokio::time::sleep(poll) => {}
                    // A dropped sender can never say stop: stop now rather than spin.
                    changed = stopping.changed() => if changed.is_err() { break },
                }
            }
        }
    }))
}
