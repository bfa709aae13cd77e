//! The search-index worker (SQLite only): merges the trigram indexes into one segment each
//! once the users list has been quiet for a poll interval after changing (or, on a list that
//! never rests, at least every `BUSY_LIST_EVERY`), in slices of `SLICE_PAGES` pages so no
//! request waits long for the write lock. See app/src/users/search_index.rs.

use super::WorkerHandle;
use app::db::Backend;
use app::state::AppState;
use app::users::search_index::{list_version, merge_step, INDEXES};
use std::time::{Duration, Instant};

/// Pages merged per write: a slice short enough that requests waiting behind it for the write
/// lock are not held up for long.
const SLICE_PAGES: u32 = 500;
/// A list that keeps changing is still merged this often.
const BUSY_LIST_EVERY: Duration = Duration::from_secs(600);

pub fn spawn(state: AppState, poll: Duration) -> Option<WorkerHandle> {
    (state.db.backend == Backend::Sqlite).then(|| {
        WorkerHandle::new(tokio::spawn(async move {
            let mut merged_at: Option<i64> = None;
            let mut seen: Option<i64> = None;
            let mut last_merge = Instant::now();
            loop {
                match list_version_now(&state).await {
                    Ok(version) => {
                        let quiet = seen == Some(version);
                        let due = quiet || last_merge.elapsed() >= BUSY_LIST_EVERY;
                        if merged_at != Some(version) && due {
                            match merge(&state).await {
                                Ok(()) => merged_at = Some(version),
                                // Behind a long write (a slice waits out the busy timeout):
                                // nothing is lost, the next quiet poll tries again.
                                Err(error) => tracing::warn!(%error, "merging the search indexes failed; will retry"),
                            }
                            last_merge = Instant::now();
                        }
                        seen = Some(version);
                    }
                    Err(error) => tracing::error!(%error, "reading the users list version failed"),
                }
                tokio::time::sleep(poll).await;
            }
        }))
    })
}

async fn list_version_now(state: &AppState) -> Result<i64, sqlx::Error> {
    list_version(&mut *state.db.pool.acquire().await?).await
}

/// Merges each index to one segment, a slice at a time.
async fn merge(state: &AppState) -> Result<(), sqlx::Error> {
    let started = Instant::now();
    let mut slices = 0;
    for index in INDEXES {
        loop {
            let mut conn = state.db.pool.acquire().await?;
            if !merge_step(&mut conn, index, SLICE_PAGES).await? {
                break;
            }
            slices += 1;
            drop(conn);
            tokio::task::yield_now().await;
        }
    }
    tracing::info!(
        slices,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "search indexes merged"
    );
    Ok(())
}
