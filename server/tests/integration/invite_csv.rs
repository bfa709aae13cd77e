//! Bulk invitations from CSV through the real router: the preview names each kind of bad row,
//! sending queues exactly the valid rows (invitation, outbox email, activity entry) with the
//! same permission and per-role rule as one invitation, and bad input is a 4xx.

use crate::common::{json, TestApp};
use axum::http::StatusCode;
use serde_json::Value;

on_both_backends!(
    preview_flags_each_kind_of_bad_row,
    send_queues_exactly_the_valid_rows,
    only_those_who_may_invite_preview_or_send,
    malformed_input_is_a_client_error,
    queuing_a_thousand_invitations_is_quick,
);

/// A mailer to queue for: the outbox needs one configured (nothing here is delivered).
async fn configure_mailer(app: &TestApp) {
    app.execute(
        "INSERT INTO email_config (id, kind, sender_address, host, port, security, updated_at) \
         VALUES (1, 'smtp', 'roster@example.com', '127.0.0.1', 9, 'none', 0)",
    )
    .await;
}

async fn preview(app: &TestApp, session: &str, csv: &str) -> Vec<Value> {
    let response = app.call("invites/csv-preview", &[("csv", csv)], Some(session)).await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    json(&response.body)["rows"].as_array().unwrap().clone()
}

/// A problem's kind: `"AlreadyUser"` or the key of `{"BadEmail": "…"}`; "" for none.
fn kind(problem: &Value) -> String {
    match problem {
        Value::Null => String::new(),
        Value::String(name) => name.clone(),
        Value::Object(map) => map.keys().next().unwrap().clone(),
        other => panic!("unexpected problem {other}"),
    }
}

const MIXED: &str = "email,first_name,last_name,role\n\
new1@example.com,New,One,analyst\n\
not-an-email,X,Y,analyst\n\
new2@example.com,,,wizard\n\
bob@example.com,Bob,B,analyst\n\
pending@example.com,,,read_only\n\
NEW1@example.com,,,analyst\n\
ga@example.com,,,Global Administrator\n\
new3@example.com,,,\n\
new4@example.com,A,B,admin,extra\n\
new5@example.com,Five,,Read Only\n";

/// Ada (Global Administrator), Bob (an existing analyst), a pending invitation, and an
/// Administrator (who may not invite Global Administrators); returns the Administrator's session.
async fn seed(app: &TestApp) -> (String, String) {
    let admin = app.register_admin().await;
    app.user_with_role(&admin, "bob@example.com", "analyst").await;
    let invited = app
        .call(
            "invites/create",
            &[
                ("email", "pending@example.com"),
                ("role", "analyst"),
                ("lifetime", "24h"),
            ],
            Some(&admin),
        )
        .await;
    assert_eq!(invited.status, StatusCode::OK);
    let boss = app.user_with_role(&admin, "boss@example.com", "admin").await;
    (admin, boss)
}

async fn preview_flags_each_kind_of_bad_row(app: TestApp) {
    let (_, boss) = seed(&app).await;
    let rows = preview(&app, &boss, MIXED).await;
    let got: Vec<(i64, String)> = rows
        .iter()
        .map(|r| (r["row"]["line"].as_i64().unwrap(), kind(&r["problem"])))
        .collect();
    let expected = [
        (2, ""),
        (3, "BadEmail"),
        (4, "UnknownRole"),
        (5, "AlreadyUser"),
        (6, "AlreadyInvited"),
        (7, "Duplicate"),
        (8, "MayNotGrant"),
        (9, "MissingRole"),
        (10, "ExtraFields"),
        (11, ""),
    ];
    let expected: Vec<(i64, String)> = expected.iter().map(|(l, k)| (*l, k.to_string())).collect();
    assert_eq!(got, expected);
    assert_eq!(rows[5]["problem"]["Duplicate"], 2, "points at the first line");
    assert_eq!(rows[9]["role"], "ReadOnly", "a role by its name");
    // Nothing was written.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM invites WHERE email LIKE 'new%'").await,
        0
    );
    // The page itself.
    let page = app.get("/settings/users/invite-csv", Some(&boss)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(r#"<label for="csv-text">CSV</label>"#));
    let users = app.get("/settings/users", Some(&boss)).await;
    assert!(users.body.contains(r#"href="/settings/users/invite-csv""#));
}

async fn send(app: &TestApp, session: &str, csv: &str) -> crate::common::TestResponse {
    app.call("invites/csv-send", &[("csv", csv), ("lifetime", "3d")], Some(session))
        .await
}

async fn send_queues_exactly_the_valid_rows(app: TestApp) {
    let (_, boss) = seed(&app).await;
    let refused = send(&app, &boss, "new1@example.com,,,analyst\n").await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "no mailer: {refused:?}");
    configure_mailer(&app).await;
    let outbox_before = app.count("SELECT COUNT(*) FROM outbox").await;
    // The rows without the header, as the page sends them.
    let body = MIXED.split_once('\n').unwrap().1;
    let response = send(&app, &boss, body).await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    let outcomes: Vec<String> = json(&response.body)
        .as_array()
        .unwrap()
        .iter()
        .map(|o| match o {
            Value::String(sent) => sent.clone(),
            other => format!("Skipped:{}", kind(&other["Skipped"])),
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            "Sent",
            "Skipped:BadEmail",
            "Skipped:UnknownRole",
            "Skipped:AlreadyUser",
            "Skipped:AlreadyInvited",
            "Skipped:Duplicate",
            "Skipped:MayNotGrant",
            "Skipped:MissingRole",
            "Skipped:ExtraFields",
            "Sent",
        ]
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox").await - outbox_before, 2);
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM invites i JOIN outbox o ON o.id = i.outbox_id \
             WHERE i.status = 'pending' AND i.email = o.recipient AND i.email IN ('new1@example.com', 'new5@example.com') \
             AND i.expires_at - i.created_at = 259200"
        )
        .await,
        2
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM invites WHERE email = 'new5@example.com' AND role = 'read_only' AND first_name = 'Five'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM activity_log WHERE action = 'invite.created' AND details LIKE '%csv%'")
            .await,
        2
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM invites WHERE email = 'ga@example.com'")
            .await,
        0
    );
    // Sending the same rows again skips them: they are invited now.
    let again = send(&app, &boss, "new1@example.com,,,analyst\n").await;
    assert_eq!(json(&again.body)[0]["Skipped"], "AlreadyInvited");
}

async fn only_those_who_may_invite_preview_or_send(app: TestApp) {
    let admin = app.register_admin().await;
    configure_mailer(&app).await;
    let viewer = app.user_with_role(&admin, "viewer@example.com", "read_only").await;
    let analyst = app.user_with_role(&admin, "ann@example.com", "analyst").await;
    let csv = "x1@example.com,,,analyst\n";
    for (session, status) in [
        (Some(viewer.as_str()), StatusCode::FORBIDDEN),
        (Some(analyst.as_str()), StatusCode::FORBIDDEN),
        (None, StatusCode::UNAUTHORIZED),
    ] {
        for endpoint in ["invites/csv-preview", "invites/csv-send"] {
            let response = app.call(endpoint, &[("csv", csv), ("lifetime", "24h")], session).await;
            assert_eq!(response.status, status, "{endpoint}: {response:?}");
        }
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM invites WHERE email = 'x1@example.com'")
            .await,
        0
    );
    let page = app.get("/settings/users/invite-csv", Some(&viewer)).await;
    assert!(page.body.contains("permission to view this page"));
}

async fn malformed_input_is_a_client_error(app: TestApp) {
    let admin = app.register_admin().await;
    configure_mailer(&app).await;
    let over_limit = "a@example.com,,,analyst\n".repeat(5_001);
    let chunk_too_big = "a@example.com,,,analyst\n".repeat(101);
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("invites/csv-preview", vec![("csv", "")]),
        ("invites/csv-preview", vec![("csv", "\n\n  \n")]),
        (
            "invites/csv-preview",
            vec![("csv", "email,nickname\nx@example.com,x\n")],
        ),
        ("invites/csv-preview", vec![("csv", over_limit.as_str())]),
        ("invites/csv-preview", vec![]),
        (
            "invites/csv-send",
            vec![("csv", chunk_too_big.as_str()), ("lifetime", "24h")],
        ),
        (
            "invites/csv-send",
            vec![("csv", "a@example.com,,,analyst\n"), ("lifetime", "forever")],
        ),
        ("invites/csv-send", vec![("csv", "a@example.com,,,analyst\n")]),
        ("invites/csv-send", vec![("csv", ""), ("lifetime", "24h")]),
    ];
    for (endpoint, form) in cases {
        let response = app.call(endpoint, &form, Some(&admin)).await;
        assert!(
            response.status.is_client_error(),
            "{endpoint} {:?}: {response:?}",
            form.iter().map(|(k, v)| (k, v.len())).collect::<Vec<_>>()
        );
    }
    // Bytes that are not UTF-8 in the form body are read as replacement characters: a bad
    // email, not a server error.
    let request = axum::http::Request::builder()
        .method("POST")
        .uri("/api/invites/csv-preview")
        .header("host", &app.host)
        .header("origin", &app.origin)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", format!("{}={admin}", app.state.config.session_cookie()))
        .body(axum::body::Body::from("csv=%FF%FE%00"))
        .unwrap();
    let response = app.request(request).await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    assert!(json(&response.body)["rows"][0]["problem"]["BadEmail"].is_string());
    // 5,000 rows is the limit, not past it.
    let at_limit: String = (0..5_000).map(|i| format!("u{i}@example.com,,,analyst\n")).collect();
    assert_eq!(preview(&app, &admin, &at_limit).await.len(), 5_000);
}

/// 1,000 invitations in ten chunks of 100, as the page sends them; the time is printed (the
/// README's figure), not asserted.
async fn queuing_a_thousand_invitations_is_quick(app: TestApp) {
    let admin = app.register_admin().await;
    configure_mailer(&app).await;
    let rows: Vec<String> = (0..1_000)
        .map(|i| format!("bulk{i:04}@example.com,Bulk,User {i},analyst\n"))
        .collect();
    let started = std::time::Instant::now();
    let previewed = preview(&app, &admin, &rows.concat()).await;
    let preview_time = started.elapsed();
    assert!(previewed.iter().all(|r| r["problem"].is_null()));
    let started = std::time::Instant::now();
    for chunk in rows.chunks(100) {
        let response = send(&app, &admin, &chunk.concat()).await;
        assert_eq!(response.status, StatusCode::OK, "{response:?}");
    }
    let send_time = started.elapsed();
    eprintln!(
        "CSV invite timing ({:?}): preview of 1,000 rows {:.2?}, queuing 1,000 invitations in 10 chunks {:.2?}",
        app.state.db.backend, preview_time, send_time
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM invites WHERE email LIKE 'bulk%' AND status = 'pending' AND outbox_id IS NOT NULL"
        )
        .await,
        1_000
    );
}
