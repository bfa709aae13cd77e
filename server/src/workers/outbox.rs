//! The outbox worker: sends queued email as soon as it is queued (the services ring a bell
//! after committing) and otherwise polls, so retries and mail queued by other replicas go out
//! too. When `stopping` is cancelled it claims nothing more, finishes (or gives back) the
//! emails in flight, and ends; dropping its handle stops it at once.

use super::WorkerHandle;
use app::mail::outbox::deliver_due;
use app::state::AppState;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

pub fn spawn(state: AppState, poll: Duration, stopping: CancellationToken) -> WorkerHandle {
    WorkerHandle::new(tokio::spawn(async move {
        while !stopping.is_cancelled() {
            let round = deliver_due(&state, &stopping).instrument(tracing::info_span!("outbox_round"));
            let busy = match round.await {
                Ok(round) => {
                    if round.handled() > 0 {
                        tracing::debug!(?round, "outbox round");
                    }
                    app::metrics::job_run("outbox", false);
                    round.handled() > 0
                }
                Err(error) => {
                    tracing::error!(%error, "outbox round failed");
                    app::metrics::job_run("outbox", true);
                    false
                }
            };
            // After a busy round look again at once: more may be due.
            if !busy {
                tokio::select! {
                    _ = state.mail.wake.notified() => {}
                    _ = tokio::time::sleep(poll) => {}
                    _ = stopping.cancelled() => {}
                }
            }
        }
        tracing::info!("outbox worker stopped");
    }))
}
