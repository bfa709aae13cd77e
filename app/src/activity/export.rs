//! (ssr) Export of the current filter as CSV or NDJSON: `GET /api/activity/export?format=…&<filters>`.
//! A plain route rather than a server function, so the browser downloads it as a file; it
//! checks the session and ViewActivity as server functions do, logs the export, then yields
//! the rows page by page by keyset (the server wraps [`Export::next_chunk`] in a body stream),
//! so memory stays flat whatever the size.

use super::filters::{iso_utc, Filter, Key, Side};
use super::store::{self, Entry};
use super::{kinds, LogQuery, Recorded};
use crate::auth::Viewer;
use crate::domain::{AppError, Permission};
use crate::state::AppState;

/// Rows per query (and per chunk of the body).
const CHUNK_ROWS: usize = 1_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Ndjson,
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Ndjson => "application/x-ndjson",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Ndjson => "ndjson",
        }
    }
}

/// An export under way: the filter and how far it has got.
pub struct Export {
    pub format: Format,
    pub file_name: String,
    filter: Filter,
    next: Option<Key>,
    started: bool,
    done: bool,
}

/// The export route's query string as the page builds it: its filters, and `format`.
pub fn parse_query(raw: &str) -> (LogQuery, String) {
    let mut query = LogQuery::default();
    let mut actions = Vec::new();
    let mut format = String::new();
    for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
        let value = value.into_owned();
        match key.as_ref() {
            "actor" => query.actor = value,
            "object" => query.object = value,
            "action" => actions.extend(value.split(',').filter(|a| !a.is_empty()).map(str::to_string)),
            "outcome" => query.outcome = value,
            "range" => query.range = value,
            "from" => query.from = value,
            "to" => query.to = value,
            "format" => format = value,
            _ => {}
        }
    }
    query.action = actions.join(",");
    (query, format)
}

/// Checks the caller (session, ViewActivity), the filters and the format, and logs the export
/// with its filter. `token` is the session cookie's value; `ip` and `user_agent` the request's.
pub async fn begin(
    state: &AppState,
    token: Option<&str>,
    ip: &str,
    user_agent: &str,
    raw_query: &str,
) -> Result<Export, AppError> {
    let me = match crate::auth::service::resolve_viewer(state, token).await? {
        Viewer::SignedIn(me) if me.enrol_only => {
            return Err(AppError::Forbidden(
                "Set up two-factor authentication first: your organisation requires it.".into(),
            ))
        }
        Viewer::SignedIn(me) => me,
        Viewer::Anonymous {
            reason: Some(crate::auth::SignOutReason::Disabled),
        } => return Err(AppError::AccessDisabled),
        _ => return Err(AppError::Unauthenticated),
    };
    if !me.can(Permission::ViewActivity) {
        return Err(AppError::Forbidden("You don't have permission to do this.".into()));
    }
    let (query, format) = parse_query(raw_query);
    let format = match format.as_str() {
        "" | "csv" => Format::Csv,
        "ndjson" => Format::Ndjson,
        _ => return Err(AppError::invalid("format", "Export format must be csv or ndjson.")),
    };
    let now = state.clock.now();
    let filter = super::names::resolve(&state.db, Filter::parse(&query, now)?).await?;
    let name = me.display_name();
    let details = serde_json::json!({ "format": format.extension(), "filter": query.to_query() });
    let mut tx = state.db.begin().await?;
    store::record(
        &mut tx,
        &Entry {
            at: now,
            actor_id: Some(me.id.0),
            actor_name: &name,
            actor_email: &me.email,
            action: "activity.exported",
            object_type: "activity_log",
            object_name: "Activity Log",
            success: true,
            ip,
            user_agent,
            details: details.to_string(),
            ..Entry::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Export {
        format,
        file_name: format!("activity-{}.{}", &iso_utc(now)[..10], format.extension()),
        filter,
        next: None,
        started: false,
        done: false,
    })
}

impl Export {
    /// The next piece of the file (the header, then up to `CHUNK_ROWS` rows), None at the end.
    /// The export being logged, it covers the entries up to and including its own.
    pub async fn next_chunk(&mut self, state: &AppState) -> Result<Option<Vec<u8>>, sqlx::Error> {
        if self.done {
            return Ok(None);
        }
        let mut out = Vec::with_capacity(CHUNK_ROWS * 256);
        if !self.started {
            self.started = true;
            if self.format == Format::Csv {
                out.extend_from_slice(CSV_HEADER.as_bytes());
            }
        }
        let side = self.next.map(Side::Older);
        let rows = match store::page(&state.db.pool, &self.filter, side, CHUNK_ROWS).await {
            Ok(rows) => rows,
            Err(error) => {
                self.done = true;
                return Err(error);
            }
        };
        if rows.len() < CHUNK_ROWS {
            self.done = true;
        }
        self.next = rows.last().map(store::key_of);
        for entry in &rows {
            match self.format {
                Format::Csv => csv_line(&mut out, entry),
                Format::Ndjson => ndjson_line(&mut out, entry),
            }
        }
        Ok(if out.is_empty() { None } else { Some(out) })
    }
}

pub const CSV_HEADER: &str =
    "id,time_utc,actor_name,actor_email,action,action_label,object_type,object_name,outcome,reason,ip,user_agent,details\r\n";

fn csv_line(out: &mut Vec<u8>, e: &Recorded) {
    let fields = [
        e.id.to_string(),
        iso_utc(e.at),
        e.actor_name.clone(),
        e.actor_email.clone(),
        e.action.clone(),
        kinds::label(&e.action).to_string(),
        e.object_type.clone(),
        e.object_name.clone(),
        e.outcome().to_string(),
        e.reason().unwrap_or_default().to_string(),
        e.ip.clone(),
        e.user_agent.clone(),
        e.details.to_string(),
    ];
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        csv_field(out, field);
    }
    out.extend_from_slice(b"\r\n");
}

/// RFC 4180 quoting; a text a spreadsheet would run as a formula gets a leading `'`.
fn csv_field(out: &mut Vec<u8>, field: &str) {
    let formula = field.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quote = formula || field.contains([',', '"', '\n', '\r']);
    if !quote {
        out.extend_from_slice(field.as_bytes());
        return;
    }
    out.push(b'"');
    if formula {
        out.push(b'\'');
    }
    out.extend_from_slice(field.replace('"', "\"\"").as_bytes());
    out.push(b'"');
}

fn ndjson_line(out: &mut Vec<u8>, e: &Recorded) {
    let line = serde_json::json!({
        "id": e.id,
        "at": e.at,
        "time_utc": iso_utc(e.at),
        "actor_id": e.actor_id,
        "actor_name": e.actor_name,
        "actor_email": e.actor_email,
        "action": e.action,
        "action_label": kinds::label(&e.action),
        "object_type": e.object_type,
        "object_id": e.object_id,
        "object_name": e.object_name,
        "outcome": e.outcome(),
        "ip": e.ip,
        "user_agent": e.user_agent,
        "details": e.details,
    });
    // Writing to a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, &line);
    out.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        let mut out = Vec::new();
        csv_field(&mut out, "a,b");
        out.push(b'|');
        csv_field(&mut out, "=SUM(A1)");
        out.push(b'|');
        csv_field(&mut out, "say \"hi\"");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\"a,b\"|\"'=SUM(A1)\"|\"say \"\"hi\"\"\""
        );
    }

    #[test]
    fn the_query_keeps_repeated_actions() {
        let (q, format) = parse_query("actor=ada&action=auth.login&action=user.role_changed&format=ndjson");
        assert_eq!(q.action, "auth.login,user.role_changed");
        assert_eq!(q.actor, "ada");
        assert_eq!(format, "ndjson");
    }
}
