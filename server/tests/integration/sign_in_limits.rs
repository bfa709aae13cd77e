//! Brute-force protection that nobody can turn against an account's owner: failures are
//! counted per (email, client network), per email across every network (slowed down, never
//! locked), and per known browser (its own budget); refused, wrong and unknown answer alike;
//! the owner hears of an attack once; admins see and unlock a slowed-down account. Also the
//! sign-in history and the new-browser email.

use crate::common::{json, TestApp, TestResponse, ADMIN_EMAIL, ADMIN_PASSWORD};
use app::auth::service::WRONG_CREDENTIALS;
use axum::http::StatusCode;

on_both_backends!(
    an_attackers_network_is_refused_while_other_networks_still_get_in,
    the_email_across_networks_is_slowed_down_not_locked,
    a_known_browser_signs_in_while_the_email_is_under_attack,
    refused_wrong_and_unknown_answer_alike,
    the_owner_is_told_of_an_attack_once,
    a_new_browser_is_reported_by_email_and_a_known_one_is_not,
    the_history_records_each_outcome,
    admins_see_a_locked_account_and_unlock_it,
    pruning_runs_on_one_replica_at_a_time,
);

const ATTACKER: &str = "203.0.113.5:40000";
const ATTACKER_NEIGHBOUR: &str = "203.0.113.77:40001";
const OWNER: &str = "198.51.100.7:50000";
const WRONG: &str = "a wrong password guess";

fn peer(network: u8) -> String {
    format!("192.0.{network}.10:1000")
}

fn assert_wrong_credentials(response: &TestResponse) {
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{response:?}");
    assert!(response.body.contains(WRONG_CREDENTIALS), "{}", response.body);
    assert!(response.session_cookie().is_none());
}

async fn outcomes(app: &TestApp, outcome: &str) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) FROM sign_in_history WHERE outcome = '{outcome}'"
    ))
    .await
}

async fn an_attackers_network_is_refused_while_other_networks_still_get_in(app: TestApp) {
    app.register_admin().await;
    for _ in 0..10 {
        assert_wrong_credentials(&app.login_from(ATTACKER, None, ADMIN_EMAIL, WRONG).await);
    }
    assert_eq!(outcomes(&app, "wrong_password").await, 10, "ten were checked");
    // Beyond the limit, from the attacker's whole /24, even the right password is refused,
    // in the same words, without being checked.
    assert_wrong_credentials(&app.login_from(ATTACKER, None, ADMIN_EMAIL, WRONG).await);
    assert_wrong_credentials(
        &app.login_from(ATTACKER_NEIGHBOUR, None, ADMIN_EMAIL, ADMIN_PASSWORD)
            .await,
    );
    assert_eq!(outcomes(&app, "wrong_password").await, 10);
    assert_eq!(
        outcomes(&app, "rate_limited").await,
        1,
        "only the first refusal is written"
    );
    // The owner, from another network, signs in at once: the refused attempts took no turn.
    let owner = app.login_from(OWNER, None, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert!(owner.session_cookie().is_some(), "{owner:?}");
}

async fn the_email_across_networks_is_slowed_down_not_locked(app: TestApp) {
    app.register_admin().await;
    app.state.clock.freeze();
    // Ten failures from ten networks: each network is far from its own limit.
    for network in 0..10 {
        assert_wrong_credentials(&app.login_from(&peer(network), None, ADMIN_EMAIL, WRONG).await);
    }
    // The eleventh is checked, and the next one only after a second.
    assert_wrong_credentials(&app.login_from(&peer(10), None, ADMIN_EMAIL, WRONG).await);
    assert_eq!(outcomes(&app, "wrong_password").await, 11);
    assert_wrong_credentials(&app.login_from(&peer(11), None, ADMIN_EMAIL, ADMIN_PASSWORD).await);
    assert_eq!(outcomes(&app, "rate_limited").await, 1, "refused before any check");
    app.state.clock.advance(1);
    assert_wrong_credentials(&app.login_from(&peer(12), None, ADMIN_EMAIL, WRONG).await);
    assert_eq!(outcomes(&app, "wrong_password").await, 12);
    // Then the delay doubles: 2 s.
    app.state.clock.advance(1);
    assert_wrong_credentials(&app.login_from(&peer(13), None, ADMIN_EMAIL, ADMIN_PASSWORD).await);
    app.state.clock.advance(1);
    let owner = app.login_from(OWNER, None, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert!(
        owner.session_cookie().is_some(),
        "a turn came: never locked for good: {owner:?}"
    );
    // An hour later the window is over: ten more are checked at once.
    app.state.clock.advance(3600);
    for network in 20..30 {
        assert_wrong_credentials(&app.login_from(&peer(network), None, ADMIN_EMAIL, WRONG).await);
    }
    assert_eq!(outcomes(&app, "wrong_password").await, 22);
}

async fn a_known_browser_signs_in_while_the_email_is_under_attack(app: TestApp) {
    app.register_admin().await;
    app.state.clock.freeze();
    let first = app.login_from(OWNER, None, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let device = first.cookie("roster_device").expect("a device cookie at sign-in");
    // A distributed attack: every network at its limit, the email slowed down.
    for network in 0..6 {
        for _ in 0..11 {
            app.login_from(&peer(network), None, ADMIN_EMAIL, WRONG).await;
        }
    }
    assert_wrong_credentials(&app.login_from(OWNER, None, ADMIN_EMAIL, ADMIN_PASSWORD).await);
    // The browser that signed in before has its own budget, from any address.
    let known = app
        .login_from(&peer(0), Some(&device), ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;
    assert!(known.session_cookie().is_some(), "{known:?}");
    // That budget is limited too, and a made-up device cookie is just another browser.
    for _ in 0..10 {
        assert_wrong_credentials(&app.login_from(OWNER, Some(&device), ADMIN_EMAIL, WRONG).await);
    }
    assert_wrong_credentials(&app.login_from(OWNER, Some(&device), ADMIN_EMAIL, ADMIN_PASSWORD).await);
    let made_up = "A".repeat(43);
    assert_wrong_credentials(&app.login_from(OWNER, Some(&made_up), ADMIN_EMAIL, ADMIN_PASSWORD).await);
}

async fn refused_wrong_and_unknown_answer_alike(app: TestApp) {
    app.register_admin().await;
    let unknown = app.login_from(ATTACKER, None, "nobody@example.com", WRONG).await;
    let wrong = app.login_from(ATTACKER, None, ADMIN_EMAIL, WRONG).await;
    for _ in 0..10 {
        app.login_from(ATTACKER, None, ADMIN_EMAIL, WRONG).await;
    }
    let refused = app.login_from(ATTACKER, None, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    for response in [&unknown, &wrong, &refused] {
        assert_wrong_credentials(response);
    }
    assert_eq!(unknown.body, wrong.body);
    assert_eq!(wrong.body, refused.body);
}

async fn the_owner_is_told_of_an_attack_once(app: TestApp) {
    app.register_admin().await;
    let told =
        || app.count("SELECT COUNT(*) FROM outbox WHERE subject = 'Failed sign-in attempts to your Roster account'");
    for network in 0..10 {
        app.login_from(&peer(network), None, ADMIN_EMAIL, WRONG).await;
    }
    assert_eq!(told().await, 0, "ten failures are no attack yet");
    for round in 0..8 {
        app.state.clock.advance(31);
        app.login_from(&peer(100 + round), None, ADMIN_EMAIL, WRONG).await;
    }
    assert_eq!(outcomes(&app, "wrong_password").await, 18);
    assert_eq!(told().await, 1, "one email per attack");
    let body: String = sqlx::query_scalar("SELECT body_text FROM outbox WHERE subject LIKE 'Failed sign-in%'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert!(
        body.contains("11 failed sign-in attempts to your account in the last hour"),
        "{body}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM activity_log WHERE action = 'auth.sign_in_locked'")
            .await,
        1
    );
}

async fn a_new_browser_is_reported_by_email_and_a_known_one_is_not(app: TestApp) {
    app.register_admin().await;
    let reported = || app.count("SELECT COUNT(*) FROM outbox WHERE subject = 'New sign-in to your Roster account'");
    let first = app.login_from(OWNER, None, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let device = first.cookie("roster_device").expect("a device cookie");
    assert_eq!(reported().await, 1, "this browser never signed in to the account");
    let body: String = sqlx::query_scalar("SELECT body_text FROM outbox WHERE subject LIKE 'New sign-in%'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert!(body.contains("198.51.100.7") && body.contains("Firefox"), "{body}");
    assert!(body.contains("http://roster.test/profile/security"), "{body}");
    let again = app
        .login_from(&peer(3), Some(&device), ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;
    assert!(again.session_cookie().is_some());
    assert_eq!(
        again.cookie("roster_device").as_deref(),
        Some(device.as_str()),
        "the same device"
    );
    assert_eq!(reported().await, 1, "a known browser is not reported, from any address");
    app.login_from(OWNER, None, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(reported().await, 2, "a browser without the cookie is a new one");
}

async fn the_history_records_each_outcome(app: TestApp) {
    let admin = app.register_admin().await;
    app.user_with_role(&admin, "bob@example.com", "analyst").await;
    app.login_from(OWNER, None, "bob@example.com", WRONG).await;
    app.login_from(OWNER, None, "bob@example.com", crate::common::INVITEE_PASSWORD)
        .await;
    let bob = app.count("SELECT id FROM users WHERE email = 'bob@example.com'").await;
    let response = app
        .call("users/disable", &[("user_id", &bob.to_string())], Some(&admin))
        .await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    app.login_from(OWNER, None, "bob@example.com", crate::common::INVITEE_PASSWORD)
        .await;
    // Slow enough that only the attacker network's own limit refuses.
    for _ in 0..11 {
        app.state.clock.advance(31);
        app.login_from(ATTACKER, None, "bob@example.com", WRONG).await;
    }
    let rows: Vec<(String, String, String)> =
        sqlx::query_as("SELECT outcome, ip, user_agent FROM sign_in_history WHERE user_id = $1 ORDER BY id")
            .bind(bob)
            .fetch_all(&app.state.db.pool)
            .await
            .unwrap();
    let outcomes: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    let mut expected = vec!["wrong_password", "signed_in", "disabled"];
    expected.extend(["wrong_password"; 10]);
    expected.push("rate_limited");
    assert_eq!(outcomes, expected);
    assert_eq!(rows[1].1, "198.51.100.7");
    assert!(rows[1].2.contains("Firefox"));
    // Kept 90 days.
    app.state.clock.advance(91 * 86_400);
    let report = app::auth::limits::prune(&app.state).await.unwrap();
    assert_eq!(report.history, 14);
    assert_eq!(app.count("SELECT COUNT(*) FROM sign_in_history").await, 0);
}

async fn admins_see_a_locked_account_and_unlock_it(app: TestApp) {
    let admin = app.register_admin().await;
    let administrator = app.user_with_role(&admin, "adm@example.com", "admin").await;
    app.user_with_role(&admin, "bob@example.com", "analyst").await;
    let bob = app
        .count("SELECT id FROM users WHERE email = 'bob@example.com'")
        .await
        .to_string();
    let ada = app
        .count("SELECT id FROM users WHERE email = 'ada@example.com'")
        .await
        .to_string();
    let locked_of = |email: &'static str| {
        let app = &app;
        let admin = admin.clone();
        async move {
            let list = app.call("users/list", &[], Some(&admin)).await;
            assert_eq!(list.status, StatusCode::OK, "{list:?}");
            json(&list.body)["rows"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["email"] == email)
                .map(|r| r["locked"].as_bool().unwrap())
                .unwrap()
        }
    };
    let unlock = |session: String, id: String| {
        let app = &app;
        async move { app.call("users/unlock", &[("user_id", &id)], Some(&session)).await }
    };
    assert!(!locked_of("bob@example.com").await);
    assert_eq!(
        unlock(admin.clone(), bob.clone()).await.status,
        StatusCode::CONFLICT,
        "not locked"
    );
    for network in 0..11 {
        app.login_from(&peer(network), None, "bob@example.com", WRONG).await;
        app.login_from(&peer(network), None, ADMIN_EMAIL, WRONG).await;
    }
    assert!(locked_of("bob@example.com").await);
    // An Administrator cannot unlock a Global Administrator; a Global Administrator can.
    assert_eq!(
        unlock(administrator.clone(), ada.clone()).await.status,
        StatusCode::FORBIDDEN
    );
    assert!(locked_of(ADMIN_EMAIL).await);
    let response = unlock(administrator, bob.clone()).await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    assert!(!locked_of("bob@example.com").await);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM activity_log WHERE action = 'user.unlocked'")
            .await,
        1
    );
    // Unlocked: Bob's next sign-in goes through at once.
    let bob_in = app
        .login_from(&peer(0), None, "bob@example.com", crate::common::INVITEE_PASSWORD)
        .await;
    assert!(bob_in.session_cookie().is_some(), "{bob_in:?}");
    assert_eq!(
        unlock(admin, "not a number".into()).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

async fn pruning_runs_on_one_replica_at_a_time(app: TestApp) {
    use app::db::Backend;
    use server::workers::prune::PRUNE_JOB;
    let db = &app.state.db;
    // Another replica in the middle of a round holds the job's lock.
    let mut other = db.begin().await.unwrap();
    if db.backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(PRUNE_JOB)
            .execute(&mut *other)
            .await
            .unwrap();
    }
    let ran = db.once_across_replicas(PRUNE_JOB, || async { 1 }).await.unwrap();
    match db.backend {
        Backend::Postgres => assert_eq!(ran, None, "the other replica has it"),
        Backend::Sqlite => assert_eq!(ran, Some(1), "one server per SQLite database"),
    }
    other.commit().await.unwrap();
    assert_eq!(
        db.once_across_replicas(PRUNE_JOB, || async { 2 }).await.unwrap(),
        Some(2)
    );
}
