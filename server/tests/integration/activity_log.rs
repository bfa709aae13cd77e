//! Settings → Activity Log through the real router: filters alone and combined against a
//! brute-force filter of the same rows, keyset paging while entries are written, export,
//! permissions, secrets, and sign-in events (the chain, Verify and retention:
//! `activity_log_integrity.rs`).

use crate::activity_log_integrity::save_retention;
use crate::common::{json, TestApp, ADMIN_EMAIL, ADMIN_PASSWORD};
use app::activity::filters::Filter;
use app::activity::store::{self, Entry};
use app::activity::{LogQuery, Recorded};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::Value;

on_both_backends!(
    each_filter_alone_and_combined_matches_a_brute_force_filter,
    keyset_paging_has_no_gaps_or_duplicates_while_entries_are_written,
    export_equals_the_filtered_rows_and_is_logged,
    read_only_may_view_analysts_may_not,
    secrets_never_appear_in_before_or_after,
    sign_in_events_are_logged_and_filterable,
    a_user_is_found_as_the_object_by_name_or_email,
    rare_common_and_short_needles_find_what_a_brute_force_filter_finds,
);

const ACTORS: &[(&str, &str)] = &[
    ("Ann Archer", "ann@example.com"),
    ("Bob Builder", "bob@example.com"),
    ("Cleo Carter", "cleo@corp.test"),
];
const OBJECTS: &[&str] = &[
    "Bob Builder",
    "ann@example.com",
    "Blue team",
    "General",
    "dora_100%@x.test",
];
const ACTIONS: &[&str] = &[
    "user.role_changed",
    "user.disabled",
    "auth.login",
    "auth.login_failed",
    "group.created",
    "invite.created",
];

/// `count` entries spread over the last two days of the (frozen) clock, several sharing a
/// second (so the id breaks ties), from a fixed pseudo-random sequence.
pub(crate) async fn seed(app: &TestApp, count: usize) {
    let now = app.state.clock.now();
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut tx = app.state.db.begin().await.unwrap();
    for _ in 0..count {
        let (name, email) = ACTORS[next() as usize % ACTORS.len()];
        let action = ACTIONS[next() as usize % ACTIONS.len()];
        let object = OBJECTS[next() as usize % OBJECTS.len()];
        let at = now - (next() % 48) as i64 * 3600 - (next() % 3) as i64;
        let details = serde_json::json!({ "before": { "role": "Analyst" }, "after": { "role": "Administrator" } });
        let entry = Entry {
            at,
            actor_id: Some(1),
            actor_name: name,
            actor_email: email,
            action,
            object_type: "user",
            object_name: object,
            success: next() % 4 != 0,
            ip: "192.0.2.7",
            user_agent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
            details: details.to_string(),
            ..Entry::default()
        };
        store::record(&mut tx, &entry).await.unwrap();
    }
    tx.commit().await.unwrap();
}

/// `count` entries at the clock's time, as actions happening now would write them.
async fn write_now(app: &TestApp, count: usize) {
    let mut tx = app.state.db.begin().await.unwrap();
    for i in 0..count {
        let entry = Entry {
            at: app.state.clock.now(),
            actor_name: "Newcomer",
            action: ACTIONS[i % ACTIONS.len()],
            success: true,
            ..Entry::default()
        };
        store::record(&mut tx, &entry).await.unwrap();
    }
    tx.commit().await.unwrap();
}

/// Every entry in the table, newest first (as the page orders them).
pub(crate) async fn all_entries(app: &TestApp) -> Vec<Recorded> {
    store::page(&app.state.db.pool, &Filter::default(), None, 10_000_000)
        .await
        .unwrap()
}

fn expected(all: &[Recorded], query: &LogQuery, now: i64) -> Vec<i64> {
    let filter = Filter::parse(query, now).expect("a valid query");
    all.iter().filter(|e| filter.matches(e)).map(|e| e.id).collect()
}

fn form(query: &LogQuery) -> Vec<(&'static str, String)> {
    vec![
        ("actor", query.actor.clone()),
        ("object", query.object.clone()),
        ("action", query.action.clone()),
        ("outcome", query.outcome.clone()),
        ("range", query.range.clone()),
        ("from", query.from.clone()),
        ("to", query.to.clone()),
        ("before", query.before.clone()),
        ("after", query.after.clone()),
    ]
}

pub(crate) async fn list(app: &TestApp, session: &str, query: &LogQuery) -> Value {
    let fields = form(query);
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let response = app.call("activity/list", &fields, Some(session)).await;
    assert_eq!(response.status, StatusCode::OK, "{query:?}: {response:?}");
    json(&response.body)
}

pub(crate) fn ids(page: &Value) -> Vec<i64> {
    page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["entry"]["id"].as_i64().unwrap())
        .collect()
}

/// Every entry the query shows, following Older from its first page.
async fn walk(app: &TestApp, session: &str, query: &LogQuery) -> Vec<i64> {
    let mut seen = Vec::new();
    let mut q = query.clone();
    loop {
        let page = list(app, session, &q).await;
        seen.extend(ids(&page));
        match page["older"].as_str() {
            Some(cursor) => q.before = cursor.to_string(),
            None => return seen,
        }
    }
}

pub(crate) fn query(f: impl FnOnce(&mut LogQuery)) -> LogQuery {
    let mut q = LogQuery::default();
    f(&mut q);
    q
}

async fn each_filter_alone_and_combined_matches_a_brute_force_filter(app: TestApp) {
    app.state.clock.freeze();
    let admin = app.register_admin().await;
    seed(&app, 400).await;
    let now = app.state.clock.now();
    let all = all_entries(&app).await;
    let day = app::activity::filters::iso_utc(now - 86_400)[..10].to_string();
    let today = app::activity::filters::iso_utc(now)[..10].to_string();
    let queries = [
        LogQuery::default(),
        query(|q| q.actor = "ANN".into()),
        query(|q| q.actor = "corp.test".into()),
        query(|q| q.object = "bob".into()),
        query(|q| q.object = "100%".into()),
        query(|q| q.action = "user.role_changed".into()),
        query(|q| q.action = "auth.login,auth.login_failed".into()),
        query(|q| q.outcome = "failure".into()),
        query(|q| q.outcome = "success".into()),
        query(|q| q.range = "1h".into()),
        query(|q| q.range = "24h".into()),
        query(|q| {
            q.range = "custom".into();
            q.from = day.clone();
            q.to = day.clone();
        }),
        query(|q| {
            q.range = "custom".into();
            q.from = day.clone();
        }),
        query(|q| {
            q.actor = "bob".into();
            q.action = "user.role_changed,user.disabled".into();
            q.outcome = "success".into();
        }),
        query(|q| {
            q.actor = "ann".into();
            q.object = "team".into();
            q.range = "custom".into();
            q.from = day.clone();
            q.to = today.clone();
        }),
        query(|q| {
            q.object = "general".into();
            q.outcome = "failure".into();
            q.range = "24h".into();
        }),
    ];
    for q in &queries {
        let want = expected(&all, q, now);
        let got = walk(&app, &admin, q).await;
        assert_eq!(got, want, "{q:?}");
    }
    // At least one combined query must have found something, or the comparison proves little.
    assert!(expected(&all, &queries[13], now).len() > 3);

    // Bad filters are 422 with the field's message.
    for (q, message) in [
        (query(|q| q.action = "user.nope".into()), "Unknown action"),
        (query(|q| q.outcome = "maybe".into()), "Outcome must be"),
        (
            query(|q| {
                q.range = "custom".into();
                q.from = "yesterday".into();
            }),
            "YYYY-MM-DD",
        ),
        (query(|q| q.before = "nonsense".into()), "page link is not valid"),
    ] {
        let fields = form(&q);
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let response = app.call("activity/list", &fields, Some(&admin)).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{q:?}: {response:?}");
        assert!(response.body.contains(message), "{}", response.body);
    }
}

async fn keyset_paging_has_no_gaps_or_duplicates_while_entries_are_written(app: TestApp) {
    app.state.clock.freeze();
    let admin = app.register_admin().await;
    seed(&app, 230).await;
    let before_walk: Vec<i64> = all_entries(&app).await.iter().map(|e| e.id).collect();
    // Older pages, with new entries arriving (at the top) between every two pages.
    let mut seen = Vec::new();
    let mut q = LogQuery::default();
    let mut pages = Vec::new();
    loop {
        let page = list(&app, &admin, &q).await;
        seen.extend(ids(&page));
        pages.push(q.clone());
        write_now(&app, 7).await;
        app.state.clock.advance(1);
        match page["older"].as_str() {
            Some(cursor) => q.before = cursor.to_string(),
            None => break,
        }
    }
    assert_eq!(
        seen, before_walk,
        "the walk saw every entry that existed once, in order"
    );
    // And back up through Newer: the pages in reverse, ending on the newest page, which now
    // holds the entries written meanwhile.
    let oldest = list(&app, &admin, pages.last().unwrap()).await;
    let mut up = ids(&oldest);
    let mut cursor = oldest["newer"].as_str().map(str::to_string);
    while let Some(c) = cursor {
        let page = list(&app, &admin, &query(|q| q.after = c.clone())).await;
        let mut page_ids = ids(&page);
        page_ids.extend(up);
        up = page_ids;
        cursor = page["newer"].as_str().map(str::to_string);
    }
    let mut unique = up.clone();
    unique.sort_unstable();
    unique.dedup();
    // The newest page is shown in full, so it may repeat entries of the page below it.
    let now_all: Vec<i64> = all_entries(&app).await.iter().map(|e| e.id).collect();
    let mut want = now_all.clone();
    want.sort_unstable();
    assert_eq!(unique, want, "walking Newer reaches every entry");
}

pub(crate) async fn export(app: &TestApp, session: Option<&str>, query: &str) -> crate::common::TestResponse {
    let mut builder = Request::builder()
        .method(Method::GET)
        .uri(format!("/api/activity/export?{query}"))
        .header("host", &app.host)
        .header("user-agent", "ExportTest/1.0");
    if let Some(token) = session {
        builder = builder.header("cookie", format!("{}={token}", app.state.config.session_cookie()));
    }
    app.request(builder.body(Body::empty()).unwrap()).await
}

async fn export_equals_the_filtered_rows_and_is_logged(app: TestApp) {
    app.state.clock.freeze();
    let admin = app.register_admin().await;
    seed(&app, 2_345).await;
    let now = app.state.clock.now();
    let q = query(|q| {
        q.actor = "ann".into();
        q.action = "user.role_changed,auth.login_failed".into();
    });
    let want = expected(&all_entries(&app).await, &q, now);
    assert!(want.len() > 50);

    let response = export(&app, Some(&admin), &format!("format=ndjson&{}", q.to_query())).await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    assert_eq!(response.header("content-type"), Some("application/x-ndjson"));
    assert!(response.header("content-disposition").unwrap().contains("attachment"));
    let lines: Vec<Value> = response.body.lines().map(json).collect();
    let got: Vec<i64> = lines.iter().map(|l| l["id"].as_i64().unwrap()).collect();
    assert_eq!(got, want);
    assert_eq!(
        lines[0]["action_label"]
            .as_str()
            .map(|l| l == "Changed role" || l == "Sign-in failed"),
        Some(true)
    );

    // CSV of everything: a header, then one record per entry (the export's own entry included).
    let response = export(&app, Some(&admin), "format=csv").await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(response.header("content-type").unwrap().starts_with("text/csv"));
    let mut lines = response.body.split("\r\n").filter(|l| !l.is_empty());
    assert_eq!(lines.next().unwrap(), app::activity::export::CSV_HEADER.trim_end());
    let csv_ids: Vec<i64> = lines.map(|l| l.split(',').next().unwrap().parse().unwrap()).collect();
    let all_ids: Vec<i64> = all_entries(&app).await.iter().map(|e| e.id).collect();
    assert_eq!(csv_ids, all_ids);

    // Both exports are in the log, with their filter.
    let logged = app
        .count("SELECT COUNT(*) FROM activity_log WHERE action = 'activity.exported' AND user_agent = 'ExportTest/1.0'")
        .await;
    assert_eq!(logged, 2);
    let details: String =
        sqlx::query_scalar("SELECT details FROM activity_log WHERE action = 'activity.exported' ORDER BY id LIMIT 1")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert!(details.contains("ndjson") && details.contains("actor=ann"), "{details}");

    // Bad input is a 4xx that logs nothing.
    for (bad, status) in [
        ("format=xml", StatusCode::UNPROCESSABLE_ENTITY),
        ("action=user.nope", StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        assert_eq!(export(&app, Some(&admin), bad).await.status, status, "{bad}");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM activity_log WHERE action = 'activity.exported'")
            .await,
        2
    );
}

async fn read_only_may_view_analysts_may_not(app: TestApp) {
    let admin = app.register_admin().await;
    let reader = app.user_with_role(&admin, "reader@example.com", "read_only").await;
    let analyst = app.user_with_role(&admin, "analyst@example.com", "analyst").await;
    assert_eq!(
        app.call("activity/list", &[], Some(&reader)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.call("activity/verify", &[], Some(&reader)).await.status,
        StatusCode::OK
    );
    assert_eq!(export(&app, Some(&reader), "format=csv").await.status, StatusCode::OK);
    assert_eq!(
        app.call("activity/list", &[], Some(&analyst)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.call("activity/verify", &[], Some(&analyst)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        export(&app, Some(&analyst), "format=csv").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(export(&app, None, "format=csv").await.status, StatusCode::UNAUTHORIZED);
    // The retention setting is Settings → General's: ManageSettings.
    assert_eq!(save_retention(&app, &reader, "90").await.status, StatusCode::FORBIDDEN);
    let page = app.get("/settings/activity", Some(&reader)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Activity Log") && page.body.contains("Export CSV"),
        "{}",
        page.body
    );
}

async fn secrets_never_appear_in_before_or_after(app: TestApp) {
    let admin = app.register_admin().await;
    let secrets = ["app-password-XYZZY-1234", "second-password-PLUGH-99"];
    for secret in secrets {
        let fields = [
            ("kind", "google_smtp"),
            ("host", "smtp.gmail.com"),
            ("port", "465"),
            ("security", "tls"),
            ("sender_address", "team@example.com"),
            ("secret", secret),
            ("current_password", ADMIN_PASSWORD),
        ];
        let saved = app.call("mail/save", &fields, Some(&admin)).await;
        assert_eq!(saved.status, StatusCode::OK, "{saved:?}");
    }
    let page = list(&app, &admin, &query(|q| q.action = "email_config.updated".into())).await;
    let rows = page["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    let details = &rows[0]["entry"]["details"];
    assert_eq!(details["secret_changed"], true, "{details}");
    let diff = app::activity::diff::rows(details);
    assert!(
        diff.iter().any(|r| r.field == "secret" && r.after == "changed"),
        "{diff:?}"
    );
    let csv = export(&app, Some(&admin), "format=csv").await.body;
    let ndjson = export(&app, Some(&admin), "format=ndjson").await.body;
    let table: Vec<String> = sqlx::query_scalar("SELECT details FROM activity_log")
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap();
    for secret in secrets {
        for (what, text) in [
            ("page", &page.to_string()),
            ("csv", &csv),
            ("ndjson", &ndjson),
            ("table", &table.join("\n")),
        ] {
            assert!(!text.contains(secret), "the secret is in the {what}");
        }
    }
}

async fn sign_in_events_are_logged_and_filterable(app: TestApp) {
    let admin = app.register_admin().await;
    let _ = app.login(ADMIN_EMAIL, "not the password").await;
    let session = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.session_cookie().unwrap();
    let out = app.call("auth/logout", &[], Some(&session)).await;
    assert!(out.status.is_success() || out.status.is_redirection(), "{out:?}");
    let timed = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.session_cookie().unwrap();
    let response = app.call("auth/timed-out", &[("reason", "idle")], Some(&timed)).await;
    assert!(
        response.status.is_success() || response.status.is_redirection(),
        "{response:?}"
    );

    let sign_in = app::activity::kinds::Group::SignIn
        .kinds()
        .map(|k| k.action)
        .collect::<Vec<_>>()
        .join(",");
    let page = list(&app, &admin, &query(|q| q.action = sign_in.clone())).await;
    let actions: Vec<&str> = page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["entry"]["action"].as_str().unwrap())
        .collect();
    for action in ["auth.login", "auth.login_failed", "auth.logout"] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
    let timeouts = page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["entry"]["details"]["timed_out"] == "idle")
        .count();
    assert_eq!(timeouts, 1, "{page}");
    let failures = list(
        &app,
        &admin,
        &query(|q| {
            q.action = sign_in.clone();
            q.outcome = "failure".into();
        }),
    )
    .await;
    assert_eq!(ids(&failures).len(), 1, "{failures}");

    // A session the server finds past its idle timeout is a logged sign-out too (once).
    app.state.clock.advance(31 * 60);
    for _ in 0..2 {
        let refused = app.call("activity/list", &[], Some(&admin)).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM activity_log WHERE action = 'auth.logout' \
             AND details LIKE '%\"timed_out\":\"idle\"%' AND details LIKE '%noticed_by%'"
        )
        .await,
        1
    );
}

async fn a_user_is_found_as_the_object_by_name_or_email(app: TestApp) {
    let admin = app.register_admin().await;
    app.user_with_role(&admin, "grace@example.com", "analyst").await;
    let grace = app
        .count("SELECT id FROM users WHERE email = 'grace@example.com'")
        .await;
    let changed = app
        .call(
            "users/change_role",
            &[("user_id", &grace.to_string()), ("role", "read_only")],
            Some(&admin),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{changed:?}");
    for needle in ["GRACE@example", "Bob Build"] {
        let page = list(
            &app,
            &admin,
            &query(|q| {
                q.object = needle.into();
                q.action = "user.role_changed".into();
            }),
        )
        .await;
        assert_eq!(ids(&page).len(), 1, "{needle}: {page}");
    }
    let page = list(&app, &admin, &query(|q| q.object = "nobody@example".into())).await;
    assert!(ids(&page).is_empty(), "{page}");
}

/// A needle matching a few distinct values is read value by value from their indexes, one
/// matching many (or too short for trigrams) by walking the log: both find the same entries a
/// brute-force filter finds, page after page in both directions.
async fn rare_common_and_short_needles_find_what_a_brute_force_filter_finds(app: TestApp) {
    app.state.clock.freeze();
    let admin = app.register_admin().await;
    seed(&app, 200).await;
    let now = app.state.clock.now();
    let mut tx = app.state.db.begin().await.unwrap();
    for i in 0..240 {
        let object = format!("Member {:03}", i % 80);
        let entry = Entry {
            at: now - i as i64 * 60,
            actor_name: "Dee Dorsey",
            actor_email: "dee@example.com",
            action: ACTIONS[i % ACTIONS.len()],
            object_type: "group",
            object_name: &object,
            success: i % 5 != 0,
            ..Entry::default()
        };
        store::record(&mut tx, &entry).await.unwrap();
    }
    tx.commit().await.unwrap();
    let all = all_entries(&app).await;
    for q in [
        query(|q| q.object = "member".into()),    // 80 values: walked
        query(|q| q.object = "MEMBER 07".into()), // Member 070 to 079: read by value
        query(|q| q.object = "er 00".into()),
        query(|q| q.object = "nothing like it".into()),
        query(|q| q.actor = "an".into()), // too short for trigrams
        query(|q| q.actor = "dee@".into()),
        query(|q| {
            q.actor = "dorsey".into();
            q.object = "member 01".into();
            q.outcome = "success".into();
        }),
    ] {
        let want = expected(&all, &q, now);
        assert_eq!(walk(&app, &admin, &q).await, want, "{q:?}");
        // From the second page, Newer leads back to the first.
        let first = list(&app, &admin, &q).await;
        if let Some(older) = first["older"].as_str() {
            let second = list(
                &app,
                &admin,
                &query(|x| {
                    *x = q.clone();
                    x.before = older.to_string();
                }),
            )
            .await;
            let newer = second["newer"].as_str().expect("a second page links back");
            let back = list(
                &app,
                &admin,
                &query(|x| {
                    *x = q.clone();
                    x.after = newer.to_string();
                }),
            )
            .await;
            assert_eq!(ids(&back), ids(&first), "{q:?}");
        }
    }
    assert!(expected(&all, &query(|q| q.object = "MEMBER 07".into()), now).len() >= 30);
    // Each needle went the way it should.
    let db = &app.state.db;
    let resolved = |q: LogQuery| async move {
        let filter = Filter::parse(&q, now).unwrap();
        app::activity::names::resolve(db, filter).await.unwrap()
    };
    let rare = resolved(query(|q| q.object = "MEMBER 07".into())).await;
    assert_eq!(rare.object_in.map(|c| c.len()), Some(10));
    assert_eq!(resolved(query(|q| q.object = "member".into())).await.object_in, None);
    assert_eq!(resolved(query(|q| q.actor = "an".into())).await.actor_in, None);
    assert_eq!(
        resolved(query(|q| q.object = "nothing like it".into())).await.object_in,
        Some(vec![])
    );
}
