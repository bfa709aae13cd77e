//! (ssr) Retention: entries older than Settings → General's "Keep activity entries for" are
//! deleted in small batches, each batch one transaction that (alone) may delete: it raises
//! the retention marker the append-only trigger checks, moves the chain's anchor to the last
//! deleted entry (so Verify still starts from a known hash), lowers the marker and logs what
//! it did. The server runs it on one replica at a time (`workers::retention`).

use super::store::{self, Entry};
use crate::state::AppState;
use sqlx::Row;

/// Entries deleted per transaction: short enough that appends waiting on the chain head
/// (which the batch holds) hardly notice.
pub const BATCH: i64 = 500;

/// Deletes entries older than the retention period, batch by batch; returns how many.
pub async fn run(state: &AppState) -> Result<u64, sqlx::Error> {
    let now = state.clock.now();
    let days = super::service::retention_days(&state.db.pool)
        .await
        .map_err(|e| sqlx::Error::Protocol(format!("{e:?}")))?;
    let cutoff = now - days * 86_400;
    let mut total = 0;
    loop {
        let deleted = batch(state, cutoff, now, days).await?;
        total += deleted;
        if deleted < BATCH as u64 {
            return Ok(total);
        }
    }
}

/// One batch: the oldest entries by id, all older than `cutoff` (ids follow time, so the
/// chain stays whole from the new anchor on).
async fn batch(state: &AppState, cutoff: i64, now: i64, days: i64) -> Result<u64, sqlx::Error> {
    let mut tx = state.db.begin().await?;
    // Marker up first: it is also the write that takes the chain head's lock.
    sqlx::query("UPDATE activity_chain SET retention_running = 1 WHERE id = 1")
        .execute(&mut *tx)
        .await?;
    // The oldest run of entries before the cutoff (stopping at the first newer one, should
    // clocks have disagreed), at most a batch.
    let rows = sqlx::query("SELECT id, at, hash FROM activity_log ORDER BY id LIMIT $1")
        .bind(BATCH)
        .fetch_all(&mut *tx)
        .await?;
    let mut last: Option<(i64, Option<String>)> = None;
    for row in &rows {
        let at: i64 = row.try_get(1)?;
        if at >= cutoff {
            break;
        }
        last = Some((row.try_get(0)?, row.try_get(2)?));
    }
    let Some((last_id, last_hash)) = last else {
        tx.rollback().await?;
        return Ok(0);
    };
    let deleted = sqlx::query("DELETE FROM activity_log WHERE id <= $1")
        .bind(last_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    // Entries from before the chain have no hash; the anchor then stays empty, as at genesis.
    sqlx::query(
        "UPDATE activity_chain SET retention_running = 0, anchor_id = $1, \
         anchor_hash = COALESCE($2, anchor_hash) WHERE id = 1",
    )
    .bind(last_id)
    .bind(last_hash)
    .execute(&mut *tx)
    .await?;
    let details = serde_json::json!({
        "deleted": deleted,
        "up_to_entry": last_id,
        "older_than": cutoff,
        "retention_days": days,
    });
    store::record(
        &mut tx,
        &Entry {
            at: now,
            actor_name: "Roster",
            action: "activity.retention_deleted",
            object_type: "activity_log",
            object_name: "Activity Log",
            success: true,
            details: details.to_string(),
            ..Entry::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(deleted)
}
