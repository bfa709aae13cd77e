//! An entry's details as the page shows them: `before` and `after` side by side, field by
//! field, with what changed marked; secrets only ever as "changed". Anything else in the
//! details (a reason, counts) is listed beside.

use serde_json::Value;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffRow {
    pub field: String,
    pub before: String,
    pub after: String,
    pub changed: bool,
}

/// A field whose value must never be shown, whatever an entry holds.
pub fn is_secret(field: &str) -> bool {
    let field = field.to_ascii_lowercase();
    !field.ends_with("_changed")
        && ["secret", "password", "token", "api_key", "private_key"]
            .iter()
            .any(|s| field.contains(s))
}

fn show(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "—".into(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// The before/after rows of `details` (none when it has neither).
pub fn rows(details: &Value) -> Vec<DiffRow> {
    let before = details.get("before");
    let after = details.get("after");
    let mut rows = Vec::new();
    match (before, after) {
        (None, None) => {}
        (b, a) if b.is_none_or(|v| v.is_object() || v.is_null()) && a.is_none_or(|v| v.is_object() || v.is_null()) => {
            let mut fields: Vec<&String> = Vec::new();
            for side in [b, a].into_iter().flatten().filter_map(Value::as_object) {
                for key in side.keys() {
                    if !fields.contains(&key) {
                        fields.push(key);
                    }
                }
            }
            for field in fields {
                let bv = b.and_then(|v| v.get(field));
                let av = a.and_then(|v| v.get(field));
                rows.push(row(field, bv, av));
            }
        }
        (b, a) => rows.push(row("value", b, a)),
    }
    if details.get("secret_changed").and_then(Value::as_bool) == Some(true) {
        rows.push(DiffRow {
            field: "secret".into(),
            before: "—".into(),
            after: "changed".into(),
            changed: true,
        });
    }
    rows
}

fn row(field: &str, before: Option<&Value>, after: Option<&Value>) -> DiffRow {
    let changed = before != after;
    if is_secret(field) {
        return DiffRow {
            field: field.into(),
            before: "—".into(),
            after: if changed { "changed" } else { "unchanged" }.into(),
            changed,
        };
    }
    DiffRow {
        field: field.into(),
        before: show(before),
        after: show(after),
        changed,
    }
}

/// The details other than before/after, as field and value (secrets as "changed").
pub fn other(details: &Value) -> Vec<(String, String)> {
    let Some(map) = details.as_object() else {
        return Vec::new();
    };
    map.iter()
        .filter(|(k, _)| !matches!(k.as_str(), "before" | "after" | "secret_changed"))
        .map(|(k, v)| {
            let value = if is_secret(k) { "changed".into() } else { show(Some(v)) };
            (k.clone(), value)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn objects_are_compared_field_by_field() {
        let rows = rows(
            &json!({ "before": { "role": "Analyst", "name": "Bob" }, "after": { "role": "Administrator", "name": "Bob" } }),
        );
        assert_eq!(rows.len(), 2);
        let role = rows.iter().find(|r| r.field == "role").unwrap();
        assert!(role.changed && role.before == "Analyst" && role.after == "Administrator");
        assert!(!rows.iter().find(|r| r.field == "name").unwrap().changed);
    }

    #[test]
    fn secrets_only_show_as_changed() {
        let d = json!({ "before": { "password": "old-secret" }, "after": { "password": "new-secret" }, "secret_changed": true, "smtp_password": "x" });
        let shown = format!("{:?} {:?}", rows(&d), other(&d));
        assert!(
            !shown.contains("old-secret") && !shown.contains("new-secret") && !shown.contains("\"x\""),
            "{shown}"
        );
        assert!(shown.contains("changed"));
    }
}
