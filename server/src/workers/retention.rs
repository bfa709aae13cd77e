//! Activity-log retention: deletes entries older than Settings → General's "Keep activity
//! entries for", in small batches, each logged (`app::activity::retention`). On PostgreSQL one
//! replica at a time runs a round (an advisory lock), so two never race over the same rows.

use super::WorkerHandle;
use app::state::AppState;
use std::time::Duration;
use tracing::Instrument;

/// The advisory-lock id of the retention job (unique among Roster's jobs; see `prune`).
pub const RETENTION_JOB: i64 = 0x526f_7374_0002;

pub fn spawn(state: AppState, every: Duration) -> WorkerHandle {
    WorkerHandle::new(tokio::spawn(async move {
        loop {
            round(&state).await;
            tokio::time::sleep(every).await;
        }
    }))
}

/// One round: every batch that is due. Public for tests, which run it on demand.
pub async fn round(state: &AppState) {
    let run = state.db.once_across_replicas(RETENTION_JOB, || {
        app::activity::retention::run(state).instrument(tracing::info_span!("activity_retention"))
    });
    match run.await {
        Ok(Some(Ok(0))) => {}
        Ok(Some(Ok(deleted))) => tracing::info!(deleted, "deleted activity entries past their retention"),
        Ok(Some(Err(error))) => tracing::warn!(%error, "activity retention failed; trying again at the next round"),
        Ok(None) => tracing::debug!("another replica is applying activity retention"),
        Err(error) => tracing::warn!(%error, "could not take the retention lock; trying again at the next round"),
    }
}
