//! The outbox worker: sends queued email as soon as it is queued (the services ring a bell
//! after committing) and otherwise polls, so retries and mail queued by other replicas go out
//! too. It stops when its handle is dropped.

use super::WorkerHandle;
use app::mail::outbox::deliver_due;
use app::state::AppState;
use std::time::Duration;
use tracing::Instrument;

pub fn spawn(state: AppState, poll: Duration) -> WorkerHandle {
    WorkerHandle::new(tokio::spawn(async move {
        loop {
            let round = deliver_due(&state).instrument(tracing::info_span!("outbox_round"));
            let busy = match round.await {
                Ok(round) => {
                    if round.handled() > 0 {
                        tracing::debug!(?round, "outbox round");
                    }
                    round.handled() > 0
                }
                Err(error) => {
                    tracing::error!(%error, "outbox round failed");
                    false
                }
            };
            // After a busy round look again at once: more may be due.
            if !busy {
                tokio::select! {
                    _ = state.mail.wake.notified() => {}
                    _ = tokio::time::sleep(poll) => {}
                }
            }
        }
    }))
}
