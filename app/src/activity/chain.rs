//! (ssr) The hash chain over the log: each entry's hash covers its own fields and the hash of
//! the entry before it, so changing or removing an entry (or cutting entries off the end,
//! which the chain head in `activity_chain` notices) breaks the chain from that entry on.
//! Walking it: `verify`.

use super::{Recorded, VerifyReport};
use sha2::{Digest, Sha256};
use sqlx::{AnyPool, Row};

/// Entries read per query while verifying.
const VERIFY_BATCH: i64 = 5_000;

/// The hash of an entry whose predecessor's hash is `prev_hash`. `details` is the text as
/// stored (JSON texts can differ and mean the same; the stored one is what is covered).
pub fn entry_hash(prev_hash: &str, e: &Recorded, details: &str) -> String {
    let fields = serde_json::json!([
        e.id,
        e.at,
        e.actor_id,
        e.actor_name,
        e.actor_email,
        e.action,
        e.object_type,
        e.object_id,
        e.object_name,
        e.outcome(),
        e.ip,
        e.user_agent,
        details,
    ]);
    let mut hasher = Sha256::new();
    hasher.update(prev_hash.as_bytes());
    hasher.update(b"\n");
    hasher.update(fields.to_string().as_bytes());
    hex::encode(hasher.finalize())
}

/// The chain head as stored.
pub struct Head {
    pub last_id: i64,
    pub last_hash: String,
    pub first_chained_id: i64,
    pub anchor_id: i64,
    pub anchor_hash: String,
}

pub async fn head<'c, E: sqlx::Executor<'c, Database = sqlx::Any>>(exec: E) -> Result<Head, sqlx::Error> {
    let row = sqlx::query(
        "SELECT last_id, last_hash, first_chained_id, anchor_id, anchor_hash FROM activity_chain WHERE id = 1",
    )
    .fetch_one(exec)
    .await?;
    Ok(Head {
        last_id: row.try_get(0)?,
        last_hash: row.try_get(1)?,
        first_chained_id: row.try_get(2)?,
        anchor_id: row.try_get(3)?,
        anchor_hash: row.try_get(4)?,
    })
}

/// Walks the chain from its first entry (or the first after what retention deleted) to the
/// head, in batches, and reports the first entry that was changed or removed. Entries written
/// before the chain existed (migration 0010) are not covered.
pub async fn verify(pool: &AnyPool) -> Result<VerifyReport, sqlx::Error> {
    let head = head(pool).await?;
    let start = head.first_chained_id.max(head.anchor_id + 1);
    let mut expected_id = start;
    let mut prev_hash = if head.anchor_id >= head.first_chained_id {
        head.anchor_hash.clone()
    } else {
        String::new()
    };
    let mut checked = 0;
    let broken = |id: i64, checked: i64| VerifyReport {
        checked,
        broken_at: Some(id),
    };
    loop {
        let rows = sqlx::query(&format!(
            "SELECT {}, prev_hash, hash FROM activity_log WHERE id >= $1 ORDER BY id LIMIT $2",
            super::store::COLUMNS
        ))
        .bind(expected_id)
        .bind(VERIFY_BATCH)
        .fetch_all(pool)
        .await?;
        let done = (rows.len() as i64) < VERIFY_BATCH;
        for row in rows {
            let (entry, details) = super::store::decode(&row)?;
            let stored_prev: Option<String> = row.try_get("prev_hash")?;
            let stored_hash: Option<String> = row.try_get("hash")?;
            // A gap: the entry expected here is gone.
            if entry.id != expected_id {
                return Ok(broken(expected_id, checked));
            }
            // The previous entry's hash as this one saw it: if it differs, the previous one
            // (or this link) was rewritten.
            if stored_prev.as_deref() != Some(prev_hash.as_str()) {
                return Ok(broken(if checked == 0 { entry.id } else { entry.id - 1 }, checked));
            }
            let hash = entry_hash(&prev_hash, &entry, &details);
            if stored_hash.as_deref() != Some(hash.as_str()) {
                return Ok(broken(entry.id, checked));
            }
            checked += 1;
            prev_hash = hash;
            expected_id += 1;
        }
        if done {
            break;
        }
    }
    // Entries cut off the end: the head remembers the last one written.
    let last_seen = expected_id - 1;
    if last_seen < head.last_id {
        return Ok(broken(expected_id, checked));
    }
    if last_seen > head.last_id {
        return Ok(broken(head.last_id + 1, checked));
    }
    if head.last_id >= start && prev_hash != head.last_hash {
        return Ok(broken(head.last_id, checked));
    }
    Ok(VerifyReport {
        checked,
        broken_at: None,
    })
}
