//! Malformed requests get a 4xx with a plain message and change nothing: bodies over the size
//! limit, bodies that are not UTF-8, arguments that do not parse, search text with control
//! characters, names with invisible or text-direction characters.

use crate::common::{json, TestApp, TestResponse, ADMIN_EMAIL, INVITEE_PASSWORD, ORIGIN};
use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode};

on_both_backends!(
    malformed_requests_get_a_4xx_and_a_plain_message,
    search_text_with_control_characters_is_refused_at_the_edge,
    names_with_invisible_or_direction_characters_are_refused_and_change_nothing,
);

/// Words of the libraries' own error messages, which must not reach the client.
const INTERNAL: [&str; 6] = ["length limit", "utf-8", "fts5", "sqlx", "panicked", "invalid digit"];

const TOO_LARGE: &str = "The request is too large.";

fn assert_plain(what: &str, response: &TestResponse, status: StatusCode, message: &str) {
    assert_eq!(response.status, status, "{what}: {response:?}");
    assert!(response.body.contains(message), "{what}: {}", response.body);
    // Pages declare their own charset; that "utf-8" is no error message.
    let body = response.body.to_lowercase().replace("charset=\"utf-8\"", "");
    for word in INTERNAL {
        assert!(!body.contains(word), "{what}: {word:?} in {}", response.body);
    }
}

/// A raw POST to a server function, signed in as `session`.
fn post(endpoint: &str, session: &str) -> axum::http::request::Builder {
    Request::builder()
        .method("POST")
        .uri(format!("/api/{endpoint}"))
        .header("host", crate::common::HOST)
        .header("origin", ORIGIN)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .header("cookie", format!("roster_session={session}"))
}

async fn my_name(app: &TestApp) -> String {
    let sql = format!("SELECT first_name || ' ' || last_name FROM users WHERE email = '{ADMIN_EMAIL}'");
    sqlx::query_scalar(&sql).fetch_one(&app.state.db.pool).await.unwrap()
}

async fn malformed_requests_get_a_4xx_and_a_plain_message(app: TestApp) {
    let admin = app.register_admin().await;
    // Well-formed apart from its size: a profile edit with a 2 MiB last name.
    let big = format!("first_name=Eve&last_name={}", "x".repeat(2 * 1024 * 1024));

    let declared = post("auth/profile", &admin)
        .header("content-length", big.len())
        .body(Body::from(big.clone()))
        .unwrap();
    let response = app.request(declared).await;
    assert_plain(
        "over the limit, with Content-Length",
        &response,
        StatusCode::PAYLOAD_TOO_LARGE,
        TOO_LARGE,
    );

    // No Content-Length (chunked): the limit is met while reading.
    let chunks: Vec<Result<Bytes, std::io::Error>> = big
        .as_bytes()
        .chunks(64 * 1024)
        .map(|chunk| Ok(Bytes::copy_from_slice(chunk)))
        .collect();
    let streamed = post("auth/profile", &admin)
        .body(Body::from_stream(futures::stream::iter(chunks)))
        .unwrap();
    assert!(streamed.headers().get("content-length").is_none());
    let response = app.request(streamed).await;
    assert_plain(
        "over the limit, streamed",
        &response,
        StatusCode::PAYLOAD_TOO_LARGE,
        TOO_LARGE,
    );

    let not_utf8 = post("auth/profile", &admin)
        .body(Body::from(b"first_name=Eve&last_name=\xff\xfe".to_vec()))
        .unwrap();
    let response = app.request(not_utf8).await;
    assert_plain(
        "not UTF-8",
        &response,
        StatusCode::BAD_REQUEST,
        "Bad request: the request body could not be read.",
    );

    let response = app.call("users/disable", &[("user_id", "bob")], Some(&admin)).await;
    assert_plain(
        "a number that is not one",
        &response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "Bad request: a value in the request is not valid.",
    );
    let response = app.call("auth/profile", &[("first_name", "Eve")], Some(&admin)).await;
    assert_plain(
        "a missing field",
        &response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "Bad request: the field `last_name` is missing.",
    );

    let response = app.call("users/list", &[("q", "\0\0\0")], Some(&admin)).await;
    assert_plain(
        "NUL bytes in a search",
        &response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "Search text must not contain control characters.",
    );
    let page = app.get("/settings/users?q=%00%00%00", Some(&admin)).await;
    assert!(page.status.is_client_error(), "{page:?}");
    assert_plain(
        "NUL bytes in a search, as a page",
        &page,
        page.status,
        "Search text must not contain control characters.",
    );

    assert_eq!(my_name(&app).await, "Ada Lovelace", "nothing changed");
}

async fn search_text_with_control_characters_is_refused_at_the_edge(app: TestApp) {
    let admin = app.register_admin().await;
    for q in [
        "\0\0\0",
        "ada\0",
        "\u{1}\u{2}\u{3}",
        "Ada\tLovelace",
        "\u{7f}ab",
        "ab\u{85}c",
    ] {
        let response = app.call("users/list", &[("q", q)], Some(&admin)).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{q:?}: {response:?}");
        assert_eq!(
            json(&response.body),
            serde_json::json!({"Invalid": [{"field": "q", "message": "Search text must not contain control characters."}]}),
            "{q:?}"
        );
    }
    // The page shows the message where the list would be, with its search box.
    let page = app.get("/settings/users?q=ab%00c", Some(&admin)).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{page:?}");
    assert!(
        page.body.contains("Search text must not contain control characters."),
        "{}",
        page.body
    );
    assert!(page.body.contains("id=\"user-search\""), "{}", page.body);
    // Surrounding spaces are still trimmed, and ordinary searches still find.
    let found = app.call("users/list", &[("q", " lovelace ")], Some(&admin)).await;
    assert_eq!(found.status, StatusCode::OK, "{found:?}");
    assert_eq!(
        json(&found.body)["rows"].as_array().map(Vec::len),
        Some(1),
        "{}",
        found.body
    );
}

async fn names_with_invisible_or_direction_characters_are_refused_and_change_nothing(app: TestApp) {
    const REFUSED: &str = "must not contain invisible or text-direction characters.";
    let mut setup = crate::common::admin_form();
    setup[1] = ("last_name", "Love\u{2028}lace");
    let response = app.call("auth/setup", &setup, None).await;
    assert_plain(
        "setup",
        &response,
        StatusCode::UNPROCESSABLE_ENTITY,
        &format!("Last name {REFUSED}"),
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 0);

    let admin = app.register_admin().await;
    let invite = app
        .call(
            "invites/create",
            &[("email", "bob@example.com"), ("role", "analyst"), ("lifetime", "24h")],
            Some(&admin),
        )
        .await;
    let url = json(&invite.body)["url"].as_str().unwrap().to_string();
    let token = url.rsplit('/').next().unwrap();
    let signup = [
        ("token", token),
        ("first_name", "\u{202E}boB"),
        ("last_name", "Builder"),
        ("password", INVITEE_PASSWORD),
        ("password_confirm", INVITEE_PASSWORD),
    ];
    let response = app.call("invites/signup", &signup, None).await;
    assert_plain(
        "signup",
        &response,
        StatusCode::UNPROCESSABLE_ENTITY,
        &format!("First name {REFUSED}"),
    );
    assert!(response.session_set_cookie().is_none());
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1);
    assert_eq!(
        app.open_invite(token).await["Valid"]["email"],
        "bob@example.com",
        "the link still works"
    );

    let profile = [("first_name", "Ada"), ("last_name", "Love\u{2067}lace")];
    let response = app.call("auth/profile", &profile, Some(&admin)).await;
    assert_plain(
        "profile",
        &response,
        StatusCode::UNPROCESSABLE_ENTITY,
        &format!("Last name {REFUSED}"),
    );
    assert_eq!(my_name(&app).await, "Ada Lovelace");

    let group = [("name", "Ops\u{200B}"), ("description", ""), ("role", "analyst")];
    let response = app.call("groups/create", &group, Some(&admin)).await;
    assert_plain(
        "group",
        &response,
        StatusCode::UNPROCESSABLE_ENTITY,
        &format!("Name {REFUSED}"),
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM groups").await, 0);
}
