//! Periodic clean-up: attempt-limit windows that have passed (with a summary of their refused
//! sign-ins in the activity log), sessions past their absolute limit and password-reset links
//! a day past their expiry, so nothing an anonymous caller causes accumulates. Several replicas may run it at once: each row is
//! deleted, and reported, by one of them.

use super::WorkerHandle;
use app::auth::limits::prune;
use app::state::AppState;
use std::time::Duration;
use tracing::Instrument;

pub fn spawn(state: AppState, every: Duration) -> WorkerHandle {
    WorkerHandle::new(tokio::spawn(async move {
        loop {
            match prune(&state).instrument(tracing::info_span!("prune")).await {
                Ok(report) if report.windows + report.sessions > 0 => tracing::debug!(?report, "pruned"),
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "pruning failed; trying again at the next round"),
            }
            match app::recovery::service::prune(&state).await {
                Ok(0) => {}
                Ok(links) => tracing::debug!(links, "pruned password-reset links"),
                Err(error) => tracing::warn!(%error, "pruning reset links failed; trying again at the next round"),
            }
            tokio::time::sleep(every).await;
        }
    }))
}
