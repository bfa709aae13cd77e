//! (ssr) Upkeep of SQLite's trigram search indexes (`users_search`, `users_search_disabled`).
//!
//! FTS5 writes every change as a small new segment and merges segments only now and then, so
//! a search reads several segments per trigram. Merged into one, the same searches read
//! less, for their counts and their pages alike. `merge_step` does that merge in slices, each a short
//! write, so requests wait at most one slice; the server's upkeep worker runs it once the list
//! has been quiet (server/src/workers/search_index.rs). PostgreSQL's GIN index needs none.

use sqlx::{AnyConnection, Row};

/// The indexes kept merged.
pub const INDEXES: [&str; 2] = ["users_search", "users_search_disabled"];

/// Merges up to about `pages` pages of `index` towards a single segment. False: it was one
/// segment already (nothing was written).
pub async fn merge_step(conn: &mut AnyConnection, index: &str, pages: u32) -> Result<bool, sqlx::Error> {
    debug_assert!(INDEXES.contains(&index));
    let before = total_changes(conn).await?;
    // A negative page count merges across levels, towards one segment (FTS5's 'merge').
    sqlx::query(&format!("INSERT INTO {index} ({index}, rank) VALUES ('merge', $1)"))
        .bind(-i64::from(pages))
        .execute(&mut *conn)
        .await?;
    // FTS5 documents a difference of two or more as "work was done".
    Ok(total_changes(conn).await? - before >= 2)
}

async fn total_changes(conn: &mut AnyConnection) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT total_changes()").fetch_one(conn).await?.try_get(0)
}

/// The users list's version (migration 0004): it moves with every change the indexes follow.
pub async fn list_version(conn: &mut AnyConnection) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT v FROM users_list_version WHERE id = 1")
        .fetch_one(conn)
        .await?
        .try_get(0)
}
