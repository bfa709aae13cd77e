//! (ssr) The substring filters (actor, object) resolved to the few values they match. Every
//! distinct actor name, actor email, object name and user email in the log is kept once in
//! `activity_names` (a trigger fills it, migration 0014), searchable by trigrams. A filter that
//! matches few of them is answered by reading each value's entries from its index; one that
//! matches many (or is too short for trigrams) is left to the plain walk, which then finds its
//! matches close together.

use super::filters::{like_pattern, Candidate, Filter};
use crate::db::{Backend, Db};
use sqlx::Row;

/// Most values a filter is resolved to: each is one index walk of a page's length.
const MOST: usize = 64;
/// SQLite: trigram hits beyond which the needle is too common to resolve.
const MOST_HITS: i64 = 512;

/// The filter with its substring filters resolved where they match few values.
pub async fn resolve(db: &Db, mut filter: Filter) -> Result<Filter, sqlx::Error> {
    if let Some(needle) = &filter.actor {
        filter.actor_in = matching(db, needle, ["actor_name", "actor_email"]).await?;
    }
    if let Some(needle) = &filter.object {
        filter.object_in = matching(db, needle, ["object_name", "object_email"]).await?;
    }
    Ok(filter)
}

/// The values of `fields` containing `needle` (lower-cased), tested exactly as the walk tests
/// entries; `None` when too short or too common to be worth it.
async fn matching(db: &Db, needle: &str, fields: [&str; 2]) -> Result<Option<Vec<Candidate>>, sqlx::Error> {
    if needle.chars().count() < 3 {
        return Ok(None);
    }
    let pattern = like_pattern(needle);
    let limit = MOST as i64 + 1;
    let by_hits;
    let rows = match db.backend {
        Backend::Sqlite => {
            // The trigram index narrows; LIKE decides, as the walk would (FTS folds more case).
            let phrase = format!("\"{}\"", needle.replace('"', "\"\""));
            let hits: Vec<i64> = sqlx::query_scalar(
                "SELECT rowid FROM activity_names_search WHERE activity_names_search MATCH $1 LIMIT $2",
            )
            .bind(&phrase)
            .bind(MOST_HITS)
            .fetch_all(&db.pool)
            .await?;
            if hits.len() as i64 >= MOST_HITS {
                return Ok(None);
            }
            if hits.is_empty() {
                return Ok(Some(Vec::new()));
            }
            let ids: Vec<String> = hits.iter().map(i64::to_string).collect();
            // `+field`: read by the hits' ids, not by the (field, value) index, which a bound
            // field would walk across every name of that field.
            by_hits = format!(
                "SELECT field, value, object_id FROM activity_names WHERE id IN ({}) \
                 AND +field IN ($1, $2) AND LOWER(value) LIKE $3 ESCAPE '\\' LIMIT $4",
                ids.join(", ")
            );
            sqlx::query(&by_hits)
        }
        Backend::Postgres => sqlx::query(
            "SELECT field, value, object_id FROM activity_names \
             WHERE field IN ($1, $2) AND lower(value) LIKE $3 ESCAPE '\\' LIMIT $4",
        ),
    }
    .bind(fields[0])
    .bind(fields[1])
    .bind(&pattern)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    if rows.len() > MOST {
        return Ok(None);
    }
    let mut candidates = Vec::with_capacity(rows.len());
    for row in &rows {
        let field: String = row.try_get(0)?;
        let value: String = row.try_get(1)?;
        candidates.push(match field.as_str() {
            "actor_name" => Candidate::ActorName(value),
            "actor_email" => Candidate::ActorEmail(value),
            "object_name" => Candidate::ObjectName(value),
            "object_email" => Candidate::ObjectUser(row.try_get(2)?),
            other => {
                return Err(sqlx::Error::ColumnDecode {
                    index: "field".into(),
                    source: format!("unknown activity_names field {other:?}").into(),
                })
            }
        });
    }
    Ok(Some(candidates))
}
