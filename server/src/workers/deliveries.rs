//! The delivery worker: sends trigger notifications (webhooks, Slack; email through the mail
//! outbox) from the `deliveries` queue. It looks when woken (`triggers::delivery::wake`) and
//! otherwise polls, so retries and rows queued by other replicas go out too. Once `stopping`
//! is cancelled it claims nothing more; a round under way finishes its sends (each bounded by
//! the request timeout).

use super::WorkerHandle;
use app::state::AppState;
use app::triggers::delivery::{deliver_due, woken};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

pub fn spawn(state: AppState, poll: Duration, stopping: CancellationToken) -> WorkerHandle {
    WorkerHandle::new(tokio::spawn(async move {
        while !stopping.is_cancelled() {
            let round = deliver_due(&state).instrument(tracing::info_span!("deliveries_round"));
            let busy = match round.await {
                Ok(round) => {
                    if round.handled() > 0 {
                        tracing::debug!(?round, "deliveries round");
                    }
                    app::metrics::job_run("deliveries", false);
                    round.handled() > 0
                }
                Err(error) => {
                    tracing::error!(%error, "deliveries round failed");
                    app::metrics::job_run("deliveries", true);
                    false
                }
            };
            // After a busy round look again at once: more may be due.
            if !busy {
                tokio::select! {
                    // Woken from inside a transaction that has yet to commit: give it a moment.
                    _ = woken() => tokio::time::sleep(Duration::from_millis(100)).await,
                    _ = tokio::time::sleep(poll) => {}
                    _ = stopping.cancelled() => {}
                }
            }
        }
    }))
}
