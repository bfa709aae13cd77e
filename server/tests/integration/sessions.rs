//! Profile → Security and the users list's Sessions dialog over HTTP: listing one's sessions
//! (this device marked), signing out one or all others, refusing someone else's session,
//! an admin ending all of a user's sessions (with the user actions' guards), and the sign-in
//! history (newest first, 90 days).

use crate::common::{json, TestApp, TestResponse, ADMIN_EMAIL, ADMIN_PASSWORD, INVITEE_PASSWORD};
use app::auth::SignInOutcome;
use app::context::RequestMeta;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};

on_both_backends!(
    the_list_marks_this_device_and_shows_the_other_browser,
    signing_out_another_session_bounces_its_cookie_at_the_next_request,
    signing_out_all_others_keeps_the_current_session,
    another_users_session_id_is_refused_and_changes_nothing,
    an_admin_ends_all_of_a_users_sessions,
    an_administrator_cannot_end_a_global_administrators_sessions,
    analysts_are_refused_the_admin_functions_but_see_their_own_sessions,
    the_history_lists_attempts_newest_first_and_only_the_last_90_days,
);

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0";
const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
                      Chrome/120.0.0.0 Safari/537.36";

/// Calls a server function as a browser with this user agent, from this address.
async fn call_as_browser(
    app: &TestApp,
    endpoint: &str,
    form: &[(&str, &str)],
    session: Option<&str>,
    user_agent: &str,
    peer: &str,
) -> TestResponse {
    let mut builder = Request::builder()
        .method(Method::POST)
        .uri(format!("/api/{endpoint}"))
        .header("host", &app.host)
        .header("origin", &app.origin)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .header("user-agent", user_agent);
    if let Some(token) = session {
        builder = builder.header("cookie", format!("{}={token}", app.state.config.session_cookie()));
    }
    let mut request = builder.body(Body::from(crate::common::form_body(form))).unwrap();
    let peer: std::net::SocketAddr = peer.parse().expect("peer is ip:port");
    request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
    app.request(request).await
}

/// Signs in from another browser; returns its session cookie.
async fn sign_in_from(app: &TestApp, email: &str, password: &str, user_agent: &str, peer: &str) -> String {
    let response = call_as_browser(
        app,
        "auth/login",
        &[("email", email), ("password", password)],
        None,
        user_agent,
        peer,
    )
    .await;
    response
        .session_cookie()
        .unwrap_or_else(|| panic!("signed in: {response:?}"))
}

/// The caller's sessions, as JSON.
async fn my_sessions(app: &TestApp, session: &str) -> Vec<serde_json::Value> {
    let response = app.call("sessions/mine", &[], Some(session)).await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    json(&response.body).as_array().expect("a list").clone()
}

async fn user_id(app: &TestApp, email: &str) -> i64 {
    app.count(&format!("SELECT id FROM users WHERE email = '{email}'"))
        .await
}

/// Whether this cookie still signs its browser in.
async fn signed_in(app: &TestApp, session: &str) -> bool {
    let response = app.call("sessions/mine", &[], Some(session)).await;
    match response.status {
        StatusCode::OK => true,
        StatusCode::UNAUTHORIZED => false,
        other => panic!("unexpected {other}: {}", response.body),
    }
}

async fn the_list_marks_this_device_and_shows_the_other_browser(app: TestApp) {
    let first = app.register_admin().await;
    let firefox = sign_in_from(&app, ADMIN_EMAIL, ADMIN_PASSWORD, FIREFOX, "203.0.113.7:50000").await;

    let seen_by_first = my_sessions(&app, &first).await;
    assert_eq!(seen_by_first.len(), 2, "{seen_by_first:?}");
    assert_eq!(seen_by_first[0]["current"], true, "this device comes first");
    assert_eq!(seen_by_first[1]["current"], false);
    assert_eq!(seen_by_first[1]["device"]["browser"], "Firefox 121");
    assert_eq!(seen_by_first[1]["device"]["os"], "Linux");
    assert_eq!(seen_by_first[1]["ip"], "203.0.113.7");
    assert!(seen_by_first[1]["created_at"].as_i64().unwrap() > 0);
    assert!(seen_by_first[1]["last_seen_at"].as_i64().unwrap() > 0);

    // From the other browser, that one is this device.
    let seen_by_firefox = my_sessions(&app, &firefox).await;
    assert_eq!(seen_by_firefox.len(), 2);
    assert_eq!(seen_by_firefox[0]["current"], true);
    assert_eq!(seen_by_firefox[0]["id"], seen_by_first[1]["id"]);

    // A session that the idle timeout has ended is not listed as active.
    app.execute("UPDATE sessions SET last_seen_at = last_seen_at - 3600 WHERE user_agent LIKE '%Firefox%'")
        .await;
    assert_eq!(my_sessions(&app, &first).await.len(), 1);

    // The page renders the sections.
    let page = app.get("/profile/security", Some(&first)).await;
    assert_eq!(page.status, StatusCode::OK, "{page:?}");
    for text in ["Active sessions", "Sign-in history", "This device", "Operating system"] {
        assert!(page.body.contains(text), "{text} missing from the page");
    }
}

async fn signing_out_another_session_bounces_its_cookie_at_the_next_request(app: TestApp) {
    let admin = app.register_admin().await;
    let other = sign_in_from(&app, ADMIN_EMAIL, ADMIN_PASSWORD, FIREFOX, "203.0.113.7:50000").await;
    let sessions = my_sessions(&app, &admin).await;
    let (mine, theirs) = (sessions[0]["id"].to_string(), sessions[1]["id"].to_string());

    // One's own session ends through Sign out, not here.
    let own = app
        .call("sessions/sign-out", &[("session_id", &mine)], Some(&admin))
        .await;
    assert_eq!(own.status, StatusCode::CONFLICT, "{own:?}");
    assert!(own.body.contains("the session you are using now"), "{}", own.body);
    assert_eq!(my_sessions(&app, &admin).await.len(), 2);

    let response = app
        .call("sessions/sign-out", &[("session_id", &theirs)], Some(&admin))
        .await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    assert!(!signed_in(&app, &other).await, "the other browser is signed out");
    let page = app.get("/profile/security", Some(&other)).await;
    assert!(page.status.is_redirection(), "{page:?}");
    assert!(page.header("location").unwrap().starts_with("/login"), "{page:?}");

    assert!(signed_in(&app, &admin).await);
    assert_eq!(my_sessions(&app, &admin).await.len(), 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM activity_log WHERE action = 'session.revoked' AND object_name = 'Firefox 121 on Linux'")
            .await,
        1
    );

    // The same id again: it has ended, so nothing to do.
    let again = app
        .call("sessions/sign-out", &[("session_id", &theirs)], Some(&admin))
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "{again:?}");
}

async fn signing_out_all_others_keeps_the_current_session(app: TestApp) {
    let admin = app.register_admin().await;
    let firefox = sign_in_from(&app, ADMIN_EMAIL, ADMIN_PASSWORD, FIREFOX, "203.0.113.7:50000").await;
    let chrome = sign_in_from(&app, ADMIN_EMAIL, ADMIN_PASSWORD, CHROME, "198.51.100.9:40000").await;
    assert_eq!(my_sessions(&app, &admin).await.len(), 3);

    let response = app.call("sessions/sign-out-others", &[], Some(&admin)).await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    assert_eq!(json(&response.body), 2);
    assert!(!signed_in(&app, &firefox).await);
    assert!(!signed_in(&app, &chrome).await);
    let left = my_sessions(&app, &admin).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["current"], true);

    let logged = app
        .count("SELECT COUNT(*) FROM activity_log WHERE action = 'session.revoked_others' AND details LIKE '%\"sessions_ended\":2%'")
        .await;
    assert_eq!(logged, 1);
    // Nothing left to end: 0, and nothing more in the log.
    let again = app.call("sessions/sign-out-others", &[], Some(&admin)).await;
    assert_eq!(json(&again.body), 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM activity_log WHERE action = 'session.revoked_others'")
            .await,
        1
    );
}

async fn another_users_session_id_is_refused_and_changes_nothing(app: TestApp) {
    let admin = app.register_admin().await;
    let analyst = app.user_with_role(&admin, "ann@example.com", "analyst").await;
    let ann = user_id(&app, "ann@example.com").await;
    let ann_session = app
        .count(&format!("SELECT id FROM sessions WHERE user_id = {ann}"))
        .await
        .to_string();
    let before = app.count("SELECT COUNT(*) FROM sessions").await;

    for id in [ann_session.as_str(), "999999", "-1"] {
        let response = app.call("sessions/sign-out", &[("session_id", id)], Some(&admin)).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{id}: {response:?}");
        assert!(response.body.contains("not one of yours"), "{id}: {}", response.body);
    }
    // Malformed: a plain 4xx, never a server error.
    for id in ["abc", "", "1.5"] {
        let response = app.call("sessions/sign-out", &[("session_id", id)], Some(&admin)).await;
        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{id:?}: {response:?}"
        );
    }
    let missing = app.call("sessions/sign-out", &[], Some(&admin)).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY, "{missing:?}");

    assert!(signed_in(&app, &analyst).await);
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, before);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM activity_log WHERE action LIKE 'session.%'")
            .await,
        0
    );
}

async fn an_admin_ends_all_of_a_users_sessions(app: TestApp) {
    let admin = app.register_admin().await;
    let first = app.user_with_role(&admin, "ann@example.com", "analyst").await;
    let second = sign_in_from(&app, "ann@example.com", INVITEE_PASSWORD, FIREFOX, "203.0.113.7:50000").await;
    let ann = user_id(&app, "ann@example.com").await.to_string();

    let listed = app.call("sessions/of-user", &[("user_id", &ann)], Some(&admin)).await;
    assert_eq!(listed.status, StatusCode::OK, "{listed:?}");
    let listed = json(&listed.body);
    assert_eq!(listed["name"], "Bob Builder");
    assert_eq!(listed["sessions"].as_array().unwrap().len(), 2);
    assert!(listed["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["current"] == false));

    let response = app.call("sessions/end-all", &[("user_id", &ann)], Some(&admin)).await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    assert!(!signed_in(&app, &first).await);
    assert!(!signed_in(&app, &second).await);
    assert!(signed_in(&app, &admin).await);
    let listed = json(
        &app.call("sessions/of-user", &[("user_id", &ann)], Some(&admin))
            .await
            .body,
    );
    assert_eq!(listed["sessions"].as_array().unwrap().len(), 0);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM activity_log WHERE action = 'user.sessions_ended' AND object_id = {ann}"
        ))
        .await,
        1
    );

    // Not on oneself (that is Profile → Security), and not on someone who does not exist.
    let admin_id = user_id(&app, ADMIN_EMAIL).await.to_string();
    let own = app
        .call("sessions/end-all", &[("user_id", &admin_id)], Some(&admin))
        .await;
    assert_eq!(own.status, StatusCode::FORBIDDEN, "{own:?}");
    assert!(signed_in(&app, &admin).await);
    for endpoint in ["sessions/end-all", "sessions/of-user"] {
        let nobody = app.call(endpoint, &[("user_id", "999999")], Some(&admin)).await;
        assert_eq!(nobody.status, StatusCode::NOT_FOUND, "{endpoint}: {nobody:?}");
        let malformed = app.call(endpoint, &[("user_id", "bob")], Some(&admin)).await;
        assert_eq!(
            malformed.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{endpoint}: {malformed:?}"
        );
    }
}

async fn an_administrator_cannot_end_a_global_administrators_sessions(app: TestApp) {
    let global = app.register_admin().await;
    let administrator = app.user_with_role(&global, "adam@example.com", "admin").await;
    let global_id = user_id(&app, ADMIN_EMAIL).await.to_string();
    // Nor see where they sign in from.
    let listed = app
        .call("sessions/of-user", &[("user_id", &global_id)], Some(&administrator))
        .await;
    assert_eq!(listed.status, StatusCode::FORBIDDEN, "{listed:?}");
    assert!(!listed.body.contains("127.0.0.1"), "{}", listed.body);

    let response = app
        .call("sessions/end-all", &[("user_id", &global_id)], Some(&administrator))
        .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN, "{response:?}");
    assert!(
        response.body.contains("Only a Global Administrator"),
        "{}",
        response.body
    );
    assert!(signed_in(&app, &global).await);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM activity_log WHERE action = 'user.sessions_ended'")
            .await,
        0
    );

    // The other way round is allowed.
    let adam = user_id(&app, "adam@example.com").await.to_string();
    let response = app.call("sessions/end-all", &[("user_id", &adam)], Some(&global)).await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    assert!(!signed_in(&app, &administrator).await);
}

async fn analysts_are_refused_the_admin_functions_but_see_their_own_sessions(app: TestApp) {
    let admin = app.register_admin().await;
    let analyst = app.user_with_role(&admin, "ann@example.com", "analyst").await;
    let admin_id = user_id(&app, ADMIN_EMAIL).await.to_string();
    for endpoint in ["sessions/of-user", "sessions/end-all"] {
        let response = app.call(endpoint, &[("user_id", &admin_id)], Some(&analyst)).await;
        assert_eq!(response.status, StatusCode::FORBIDDEN, "{endpoint}: {response:?}");
    }
    assert!(signed_in(&app, &admin).await);
    assert_eq!(my_sessions(&app, &analyst).await.len(), 1);
    let history = app.call("sessions/history", &[], Some(&analyst)).await;
    assert_eq!(history.status, StatusCode::OK, "{history:?}");
    // Nobody signed in: nothing at all.
    for endpoint in ["sessions/mine", "sessions/history", "sessions/sign-out-others"] {
        assert_eq!(app.call(endpoint, &[], None).await.status, StatusCode::UNAUTHORIZED);
    }
}

async fn the_history_lists_attempts_newest_first_and_only_the_last_90_days(app: TestApp) {
    let admin = app.register_admin().await;
    let analyst = app.user_with_role(&admin, "ann@example.com", "analyst").await;
    let (admin_id, ann) = (user_id(&app, ADMIN_EMAIL).await, user_id(&app, "ann@example.com").await);
    // Whatever the sign-in flow itself recorded so far is left out of the counts below.
    app.execute("DELETE FROM sign_in_history").await;
    let now = app.state.clock.now();
    let day = 86_400;
    let meta = |ua: &str, ip: &str| RequestMeta {
        ip: ip.into(),
        user_agent: ua.into(),
        device: None,
    };
    let pool = &app.state.db.pool;
    let rows = [
        (
            admin_id,
            now - 91 * day,
            SignInOutcome::SignedIn,
            meta(FIREFOX, "192.0.2.1"),
        ),
        (
            admin_id,
            now - 89 * day,
            SignInOutcome::WrongPassword,
            meta(FIREFOX, "192.0.2.2"),
        ),
        (
            admin_id,
            now - 2 * day,
            SignInOutcome::RateLimited,
            meta(CHROME, "192.0.2.3"),
        ),
        (admin_id, now - 60, SignInOutcome::SignedIn, meta(CHROME, "192.0.2.4")),
        (admin_id, now - 3 * day, SignInOutcome::WrongCode, meta("", "192.0.2.5")),
        (
            admin_id,
            now - 4 * day,
            SignInOutcome::Disabled,
            meta(FIREFOX, "192.0.2.6"),
        ),
        (ann, now - 60, SignInOutcome::WrongPassword, meta(FIREFOX, "192.0.2.9")),
    ];
    for (user, at, outcome, meta) in &rows {
        app::auth::history::record(pool, *user, *at, *outcome, meta)
            .await
            .unwrap();
    }

    let response = app.call("sessions/history", &[], Some(&admin)).await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    let entries = json(&response.body);
    let entries = entries.as_array().unwrap();
    let ips: Vec<&str> = entries.iter().map(|e| e["ip"].as_str().unwrap()).collect();
    assert_eq!(ips, ["192.0.2.4", "192.0.2.3", "192.0.2.5", "192.0.2.6", "192.0.2.2"]);
    let outcomes: Vec<&str> = entries.iter().map(|e| e["outcome"].as_str().unwrap()).collect();
    assert_eq!(
        outcomes,
        ["SignedIn", "RateLimited", "WrongCode", "Disabled", "WrongPassword"]
    );
    assert_eq!(entries[0]["device"]["browser"], "Chrome 120");
    assert_eq!(entries[2]["device"]["browser"], "Unknown browser");

    // Each user sees only their own.
    let theirs = json(&app.call("sessions/history", &[], Some(&analyst)).await.body);
    assert_eq!(theirs.as_array().unwrap().len(), 1);
    assert_eq!(theirs[0]["ip"], "192.0.2.9");

    // The page shows the outcomes in words.
    let page = app.get("/profile/security", Some(&admin)).await;
    for label in [
        "Wrong password",
        "Refused: too many attempts",
        "Wrong 2FA code",
        "Refused: access disabled",
    ] {
        assert!(page.body.contains(label), "{label} missing from the page");
    }
}
