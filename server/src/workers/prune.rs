//! Periodic clean-up: attempt-limit windows that have passed (with a summary of their refused
//! sign-ins in the activity log), sessions past their absolute limit, sign-in history past 90
//! days, forgotten devices and password-reset links a day past their expiry, so nothing an
//! anonymous caller causes accumulates. On PostgreSQL one replica at a time runs a round (an
//! advisory lock); even without it each row would be deleted, and reported, by one of them.

use super::WorkerHandle;
use app::auth::limits::prune;
use app::state::AppState;
use std::time::Duration;
use tracing::Instrument;

pub fn spawn(state: AppState, every: Duration) -> WorkerHandle {
    WorkerHandle::new(tokio::spawn(async move {
        loop {
            let round = state.db.once_across_replicas(PRUNE_JOB, || {
                prune_round(&state).instrument(tracing::info_span!("prune"))
            });
            match round.await {
                Ok(Some(())) => {}
                Ok(None) => tracing::debug!("another replica is pruning"),
                Err(error) => tracing::warn!(%error, "could not take the pruning lock; trying again at the next round"),
            }
            tokio::time::sleep(every).await;
        }
    }))
}

/// The advisory-lock id of the pruning job (any number unique among Roster's jobs).
pub const PRUNE_JOB: i64 = 0x526f_7374_0001;

async fn prune_round(state: &AppState) {
    let mut failed = false;
    match prune(state).await {
        Ok(report) if report.windows + report.sessions + report.history > 0 => tracing::debug!(?report, "pruned"),
        Ok(_) => {}
        Err(error) => {
            failed = true;
            tracing::warn!(%error, "pruning failed; trying again at the next round")
        }
    }
    match app::recovery::service::prune(state).await {
        Ok(0) => {}
        Ok(links) => tracing::debug!(links, "pruned password-reset links"),
        Err(error) => {
            failed = true;
            tracing::warn!(%error, "pruning reset links failed; trying again at the next round")
        }
    }
    app::metrics::job_run("prune", failed);
}
