//! The log's filters as the URL carries them (`LogQuery`, shared with the browser) and, on the
//! server, parsed (`Filter`) into one SQL condition for both backends. Pages are walked by the
//! keyset (at, id), newest first: a cursor is `<at>.<id>`, never an offset.

use leptos_router::params::{Params, ParamsError, ParamsMap};
use serde::{Deserialize, Serialize};

/// Entries per page.
pub const PAGE_SIZE: usize = 50;

/// The query string, typed. `action` holds the chosen action codes joined by commas (the URL
/// repeats `action=` once per choice, as the form's multi-select sends them).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogQuery {
    #[serde(default)]
    pub actor: String,
    #[serde(default)]
    pub object: String,
    #[serde(default)]
    pub action: String,
    /// `success`, `failure` or empty for both.
    #[serde(default)]
    pub outcome: String,
    /// `1h`, `24h`, `7d`, `30d`, `custom` (then `from`/`to`) or empty for all time.
    #[serde(default)]
    pub range: String,
    /// First and last day of a custom range, `YYYY-MM-DD`, in UTC.
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    /// Cursor: the page of entries older than this one.
    #[serde(default)]
    pub before: String,
    /// Cursor: the page of entries newer than this one.
    #[serde(default)]
    pub after: String,
}

impl Params for LogQuery {
    fn from_map(map: &ParamsMap) -> Result<Self, ParamsError> {
        let one = |key: &str| map.get(key).unwrap_or_default();
        let actions: Vec<String> = map
            .get_all("action")
            .unwrap_or_default()
            .into_iter()
            .flat_map(|v| v.split(',').map(str::to_string).collect::<Vec<_>>())
            .filter(|v| !v.is_empty())
            .collect();
        Ok(LogQuery {
            actor: one("actor"),
            object: one("object"),
            action: actions.join(","),
            outcome: one("outcome"),
            range: one("range"),
            from: one("from"),
            to: one("to"),
            before: one("before"),
            after: one("after"),
        })
    }
}

impl LogQuery {
    pub fn actions(&self) -> impl Iterator<Item = &str> {
        self.action.split(',').filter(|a| !a.is_empty())
    }

    /// The filter without a cursor: the first page of the same view.
    pub fn first_page(&self) -> LogQuery {
        LogQuery {
            before: String::new(),
            after: String::new(),
            ..self.clone()
        }
    }

    /// The query string (without `?`), filters first, then the cursor if any.
    pub fn to_query(&self) -> String {
        let mut parts = Vec::new();
        let mut push = |key: &str, value: &str| {
            if !value.is_empty() {
                parts.push(format!("{key}={}", crate::ui::url_encode(value)));
            }
        };
        push("actor", &self.actor);
        push("object", &self.object);
        for action in self.actions() {
            push("action", action);
        }
        push("outcome", &self.outcome);
        push("range", &self.range);
        if self.range == "custom" {
            push("from", &self.from);
            push("to", &self.to);
        }
        push("before", &self.before);
        push("after", &self.after);
        parts.join("&")
    }
}

/// The preset ranges of the date filter: code, label, seconds back from now.
pub const RANGES: &[(&str, &str, i64)] = &[
    ("1h", "Last hour", 3600),
    ("24h", "Last 24 hours", 86_400),
    ("7d", "Last 7 days", 7 * 86_400),
    ("30d", "Last 30 days", 30 * 86_400),
];

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (Howard Hinnant's days_from_civil).
pub fn parse_date(text: &str) -> Option<i64> {
    let mut parts = text.trim().splitn(3, '-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: i64 = parts.next()?.parse().ok()?;
    let day: i64 = parts.next()?.parse().ok()?;
    if !(1970..=9999).contains(&year) || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// Unix seconds as `2026-12-05T20:15:07Z`: the exact UTC time (hover title, exports).
pub fn iso_utc(secs: i64) -> String {
    let (year, month, day, rem) = crate::ui::civil_utc(secs);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(feature = "ssr")]
pub use server::*;

#[cfg(feature = "ssr")]
mod server {
    use super::{parse_date, LogQuery, RANGES};
    use crate::domain::{AppError, FieldError};

    /// Longest text a substring filter takes.
    const NEEDLE_MAX: usize = 200;

    /// A place in the log: entries are ordered by (at, id).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Key {
        pub at: i64,
        pub id: i64,
    }

    impl Key {
        pub fn parse(text: &str) -> Option<Key> {
            let (at, id) = text.split_once('.')?;
            Some(Key {
                at: at.parse().ok()?,
                id: id.parse().ok()?,
            })
        }

        pub fn code(self) -> String {
            format!("{}.{}", self.at, self.id)
        }
    }

    /// Which side of a key a query reads.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Side {
        Older(Key),
        Newer(Key),
    }

    /// A bound value of the condition.
    #[derive(Clone, Debug, PartialEq)]
    pub enum Value {
        Text(String),
        Int(i64),
    }

    /// The filters, checked: every part optional, all combined with AND.
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct Filter {
        /// Lowercase substring of the actor's name or email.
        pub actor: Option<String>,
        /// Lowercase substring of the object's name (a user's name or email, a group…).
        pub object: Option<String>,
        pub actions: Vec<&'static str>,
        pub success: Option<bool>,
        /// `since <= at < until`.
        pub since: Option<i64>,
        pub until: Option<i64>,
        /// The values the actor (object) filter matched, when `names::resolve` found few: the
        /// page then reads each one's entries from an index instead of testing every entry.
        pub actor_in: Option<Vec<Candidate>>,
        pub object_in: Option<Vec<Candidate>>,
    }

    /// A value a substring filter matched (`activity_names`): the entries carrying exactly it.
    #[derive(Clone, Debug, PartialEq)]
    pub enum Candidate {
        ActorName(String),
        ActorEmail(String),
        ObjectName(String),
        /// Entries about this user (found by an email they had).
        ObjectUser(i64),
    }

    impl Candidate {
        fn is_actor(&self) -> bool {
            matches!(self, Candidate::ActorName(_) | Candidate::ActorEmail(_))
        }

        fn condition(&self, values: &mut Vec<Value>) -> String {
            let (column, value) = match self {
                Candidate::ActorName(v) => ("actor_name", Value::Text(v.clone())),
                Candidate::ActorEmail(v) => ("actor_email", Value::Text(v.clone())),
                Candidate::ObjectName(v) => ("object_name", Value::Text(v.clone())),
                Candidate::ObjectUser(id) => {
                    values.push(Value::Int(*id));
                    return format!("object_type = 'user' AND object_id = ${}", values.len());
                }
            };
            values.push(value);
            format!("{column} = ${}", values.len())
        }
    }

    /// Any of the candidates (none: nothing matches).
    fn any_of(candidates: &[Candidate], values: &mut Vec<Value>) -> String {
        if candidates.is_empty() {
            return "1 = 0".into();
        }
        let parts: Vec<String> = candidates
            .iter()
            .map(|c| format!("({})", c.condition(values)))
            .collect();
        format!("({})", parts.join(" OR "))
    }

    impl Filter {
        /// Every problem at once, each under its field; `now` places the preset ranges.
        pub fn parse(query: &LogQuery, now: i64) -> Result<Filter, AppError> {
            let mut errors = Vec::new();
            let mut needle = |field: &str, label: &str, text: &str| {
                let text = text.trim();
                if text.chars().count() > NEEDLE_MAX {
                    errors.push(FieldError::new(
                        field,
                        format!("{label} must be at most {NEEDLE_MAX} characters."),
                    ));
                }
                (!text.is_empty()).then(|| text.to_lowercase())
            };
            let actor = needle("actor", "Actor", &query.actor);
            let object = needle("object", "Object", &query.object);
            let mut actions = Vec::new();
            for code in query.actions() {
                match super::super::kinds::find(code) {
                    Some(kind) => actions.push(kind.action),
                    None => errors.push(FieldError::new("action", format!("Unknown action: {code}."))),
                }
            }
            let success = match query.outcome.as_str() {
                "" => None,
                "success" => Some(true),
                "failure" => Some(false),
                _ => {
                    errors.push(FieldError::new("outcome", "Outcome must be success or failure."));
                    None
                }
            };
            let (mut since, mut until) = (None, None);
            match query.range.as_str() {
                "" => {}
                "custom" => {
                    let mut day = |field: &str, text: &str| {
                        if text.trim().is_empty() {
                            return None;
                        }
                        let parsed = parse_date(text);
                        if parsed.is_none() {
                            errors.push(FieldError::new(field, "Enter a date as YYYY-MM-DD."));
                        }
                        parsed
                    };
                    since = day("from", &query.from).map(|d| d * 86_400);
                    until = day("to", &query.to).map(|d| (d + 1) * 86_400);
                    if let (Some(s), Some(u)) = (since, until) {
                        if u <= s {
                            errors.push(FieldError::new("to", "The last day must not be before the first."));
                        }
                    }
                }
                code => match RANGES.iter().find(|(c, _, _)| *c == code) {
                    Some((_, _, secs)) => since = Some(now - secs),
                    None => errors.push(FieldError::new("range", format!("Unknown date range: {code}."))),
                },
            }
            if !errors.is_empty() {
                return Err(AppError::Invalid(errors));
            }
            Ok(Filter {
                actor,
                object,
                actions,
                success,
                since,
                until,
                actor_in: None,
                object_in: None,
            })
        }

        /// The candidates a page is read by, one index walk each: the resolved filter with the
        /// fewest (see `store::page`).
        pub fn driving(&self) -> Option<&[Candidate]> {
            match (&self.actor_in, &self.object_in) {
                (Some(a), Some(o)) => Some(if a.len() <= o.len() { a } else { o }),
                (Some(a), None) => Some(a),
                (None, Some(o)) => Some(o),
                (None, None) => None,
            }
        }

        /// ` WHERE …` (or nothing) for these filters and an optional side of a key, with its
        /// values in order of their `$n`.
        pub fn condition(&self, side: Option<Side>) -> (String, Vec<Value>) {
            let mut values = Vec::new();
            let condition = self.condition_into(side, None, &mut values);
            (condition, values)
        }

        /// The same, its values appended to `values` (numbered on from them); with `probe`, one
        /// of the driving candidates stands for its filter.
        pub fn condition_into(&self, side: Option<Side>, probe: Option<&Candidate>, values: &mut Vec<Value>) -> String {
            let mut parts: Vec<String> = Vec::new();
            let bind = |values: &mut Vec<Value>, v: Value| {
                values.push(v);
                format!("${}", values.len())
            };
            let actor_probe = probe.filter(|p| p.is_actor());
            let object_probe = probe.filter(|p| !p.is_actor());
            match (&self.actor_in, &self.actor) {
                _ if actor_probe.is_some() => parts.extend(actor_probe.map(|p| p.condition(values))),
                (Some(candidates), _) => parts.push(any_of(candidates, values)),
                (None, Some(actor)) => {
                    let pattern = like_pattern(actor);
                    let a = bind(values, Value::Text(pattern.clone()));
                    let b = bind(values, Value::Text(pattern));
                    parts.push(format!(
                        "(LOWER(actor_name) LIKE {a} ESCAPE '\\' OR LOWER(actor_email) LIKE {b} ESCAPE '\\')"
                    ));
                }
                (None, None) => {}
            }
            match (&self.object_in, &self.object) {
                _ if object_probe.is_some() => parts.extend(object_probe.map(|p| p.condition(values))),
                (Some(candidates), _) => parts.push(any_of(candidates, values)),
                (None, Some(object)) => {
                    // A user is found by name as it was, or by an email they had (entries name
                    // the user; `activity_names` keeps the emails).
                    let p = bind(values, Value::Text(like_pattern(object)));
                    let e = bind(values, Value::Text(like_pattern(object)));
                    parts.push(format!(
                        "(LOWER(object_name) LIKE {p} ESCAPE '\\' OR (object_type = 'user' AND object_id IN \
                         (SELECT object_id FROM activity_names WHERE field = 'object_email' \
                         AND LOWER(value) LIKE {e} ESCAPE '\\')))"
                    ));
                }
                (None, None) => {}
            }
            if !self.actions.is_empty() {
                let list: Vec<String> = self
                    .actions
                    .iter()
                    .map(|a| bind(values, Value::Text(a.to_string())))
                    .collect();
                parts.push(format!("action IN ({})", list.join(", ")));
            }
            if let Some(success) = self.success {
                let p = bind(values, Value::Text(if success { "success" } else { "failure" }.into()));
                parts.push(format!("outcome = {p}"));
            }
            if let Some(since) = self.since {
                let p = bind(values, Value::Int(since));
                parts.push(format!("at >= {p}"));
            }
            if let Some(until) = self.until {
                let p = bind(values, Value::Int(until));
                parts.push(format!("at < {p}"));
            }
            // Spelt out rather than as a row value so both planners bound the index range on `at`.
            match side {
                Some(Side::Older(key)) => {
                    let a1 = bind(values, Value::Int(key.at));
                    let a2 = bind(values, Value::Int(key.at));
                    let i = bind(values, Value::Int(key.id));
                    parts.push(format!("at <= {a1} AND (at < {a2} OR id < {i})"));
                }
                Some(Side::Newer(key)) => {
                    let a1 = bind(values, Value::Int(key.at));
                    let a2 = bind(values, Value::Int(key.at));
                    let i = bind(values, Value::Int(key.id));
                    parts.push(format!("at >= {a1} AND (at > {a2} OR id > {i})"));
                }
                None => {}
            }
            if parts.is_empty() {
                String::new()
            } else {
                format!(" WHERE {}", parts.join(" AND "))
            }
        }

        /// The same test in Rust, for one entry (tests compare it with the SQL).
        pub fn matches(&self, e: &crate::activity::Recorded) -> bool {
            let has = |hay: &str, needle: &Option<String>| {
                needle.as_ref().is_none_or(|n| hay.to_lowercase().contains(n.as_str()))
            };
            (self.actor.is_none() || has(&e.actor_name, &self.actor) || has(&e.actor_email, &self.actor))
                && has(&e.object_name, &self.object)
                && (self.actions.is_empty() || self.actions.contains(&e.action.as_str()))
                && self.success.is_none_or(|s| s == e.success)
                && self.since.is_none_or(|s| e.at >= s)
                && self.until.is_none_or(|u| e.at < u)
        }
    }

    /// `%text%` with LIKE's own characters escaped by `\`.
    pub(crate) fn like_pattern(text: &str) -> String {
        let mut pattern = String::with_capacity(text.len() + 2);
        pattern.push('%');
        for c in text.chars() {
            if matches!(c, '%' | '_' | '\\') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
        pattern.push('%');
        pattern
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn custom_dates_cover_whole_utc_days() {
            let q = LogQuery {
                range: "custom".into(),
                from: "2026-12-01".into(),
                to: "2026-12-01".into(),
                ..LogQuery::default()
            };
            let f = Filter::parse(&q, 0).unwrap();
            assert_eq!(f.since, Some(1_796_083_200));
            assert_eq!(f.until, Some(1_796_083_200 + 86_400));
        }

        #[test]
        fn bad_values_are_field_errors() {
            let q = LogQuery {
                action: "user.no-such".into(),
                outcome: "maybe".into(),
                range: "2y".into(),
                ..LogQuery::default()
            };
            let AppError::Invalid(errors) = Filter::parse(&q, 0).unwrap_err() else {
                panic!("not invalid")
            };
            assert_eq!(errors.len(), 3);
        }

        #[test]
        fn iso_times_and_dates_agree() {
            assert_eq!(super::super::iso_utc(1_796_083_200 + 3_661), "2026-12-01T01:01:01Z");
            assert_eq!(parse_date("2026-12-01"), Some(1_796_083_200 / 86_400));
            assert_eq!(parse_date("2026-13-01"), None);
        }

        #[test]
        fn like_characters_are_escaped() {
            assert_eq!(like_pattern("a_b%c\\"), "%a\\_b\\%c\\\\%");
        }
    }
}
