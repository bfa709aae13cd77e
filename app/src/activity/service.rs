//! (ssr) The activity log's rules: a filtered page by keyset, Verify, the retention setting.
//! No HTTP here.

use super::filters::{Filter, Key, Side, PAGE_SIZE};
use super::store::{self, Event};
use super::{LogPage, LogQuery, LogRow, VerifyReport, RETENTION_DAYS_DEFAULT, RETENTION_DAYS_MAX, RETENTION_DAYS_MIN};
use crate::context::Ctx;
use crate::domain::AppError;
use crate::settings::store as settings;
use crate::state::AppState;
use serde_json::json;

/// The settings key of "Keep activity entries for" (days).
pub const RETENTION_DAYS: &str = "activity.retention_days";

fn cursor(field: &str, text: &str) -> Result<Option<Key>, AppError> {
    if text.is_empty() {
        return Ok(None);
    }
    Key::parse(text)
        .map(Some)
        .ok_or_else(|| AppError::invalid(field, "That page link is not valid: start from the newest entries."))
}

/// One page of entries matching the query, newest first, with the cursors of the pages on
/// either side (each known by a one-row probe, never by counting).
pub async fn list(state: &AppState, query: &LogQuery) -> Result<LogPage, AppError> {
    let now = state.clock.now();
    let filter = super::names::resolve(&state.db, Filter::parse(query, now)?).await?;
    let before = cursor("before", &query.before)?;
    let after = cursor("after", &query.after)?;
    let pool = &state.db.pool;
    let side = match (before, after) {
        (Some(key), _) => Some(Side::Older(key)),
        (None, Some(key)) => Some(Side::Newer(key)),
        (None, None) => None,
    };
    let mut entries = store::page(pool, &filter, side, PAGE_SIZE).await?;
    if matches!(side, Some(Side::Newer(_))) {
        entries.reverse();
        // Fewer than a page newer than the cursor: this is the newest page, shown in full.
        if entries.len() < PAGE_SIZE {
            entries = store::page(pool, &filter, None, PAGE_SIZE).await?;
        }
    }
    let (newer, older) = match (entries.first(), entries.last()) {
        (Some(first), Some(last)) => {
            let first = store::key_of(first);
            let last = store::key_of(last);
            // The first page (no cursor) is the newest there is.
            let newer = side.is_some() && store::any_beyond(pool, &filter, Side::Newer(first)).await?;
            let older = store::any_beyond(pool, &filter, Side::Older(last)).await?;
            (newer.then(|| first.code()), older.then(|| last.code()))
        }
        _ => (None, None),
    };
    let rows = entries
        .into_iter()
        .map(|entry| {
            let browser = if entry.user_agent.is_empty() {
                String::new()
            } else {
                let device = crate::sessions::agent::parse(&entry.user_agent);
                format!("{} on {}", device.browser, device.os)
            };
            LogRow { entry, browser }
        })
        .collect();
    Ok(LogPage { rows, newer, older })
}

/// Walks the whole chain (see `chain::verify`).
pub async fn verify(state: &AppState) -> Result<VerifyReport, AppError> {
    Ok(super::chain::verify(&state.db.pool).await?)
}

/// Days entries are kept.
pub async fn retention_days<'c, E: sqlx::Executor<'c, Database = sqlx::Any>>(exec: E) -> Result<i64, AppError> {
    Ok(settings::get_i64(exec, RETENTION_DAYS, RETENTION_DAYS_DEFAULT)
        .await?
        .clamp(RETENTION_DAYS_MIN, RETENTION_DAYS_MAX))
}

/// Parses "Keep activity entries for" (whole days, 30 days to 7 years).
pub fn parse_retention(text: &str) -> Result<i64, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(AppError::invalid(
            "retention_days",
            "Enter how many days to keep activity entries.",
        ));
    }
    let days: i64 = text
        .parse()
        .map_err(|_| AppError::invalid("retention_days", "Retention must be a whole number of days."))?;
    if !(RETENTION_DAYS_MIN..=RETENTION_DAYS_MAX).contains(&days) {
        return Err(AppError::invalid(
            "retention_days",
            format!("Retention must be between {RETENTION_DAYS_MIN} days and {RETENTION_DAYS_MAX} days (7 years)."),
        ));
    }
    Ok(days)
}

/// Saves the retention period, with its before and after in the log.
pub async fn save_retention(ctx: &Ctx, text: &str) -> Result<i64, AppError> {
    let after = parse_retention(text)?;
    let mut tx = ctx.state.db.begin().await?;
    let before = settings::get(&mut *tx, RETENTION_DAYS).await?;
    let before = settings::int_or(before.as_deref(), RETENTION_DAYS_DEFAULT);
    if before == after {
        return Ok(after);
    }
    settings::set(&mut *tx, RETENTION_DAYS, &after.to_string(), ctx.now).await?;
    let event = Event {
        action: "settings.activity_retention_changed",
        object_type: "settings",
        object_id: None,
        object_name: "General",
        details: json!({ "before": { "retention_days": before }, "after": { "retention_days": after } }),
    };
    store::record_event(&mut tx, ctx, event).await?;
    tx.commit().await?;
    Ok(after)
}
