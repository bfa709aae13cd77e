//! User actions through the real router, on SQLite and PostgreSQL: edit name, change role,
//! disable, enable, delete, their guards, and the same in bulk.

use crate::common::{json, TestApp, TestResponse, ADMIN_EMAIL, ADMIN_PASSWORD, INVITEE_PASSWORD};
use axum::http::StatusCode;
use serde_json::Value;

on_both_backends!(
    edit_name_and_role_record_before_and_after,
    bad_input_and_unknown_users_change_nothing,
    disable_ends_sessions_at_once_and_enable_restores_sign_in,
    delete_removes_sessions_memberships_and_sent_invites_but_keeps_the_log,
    nobody_disables_deletes_or_demotes_themselves,
    administrators_cannot_act_on_or_grant_global_administrator,
    the_last_active_global_administrator_stays,
    concurrent_disables_never_remove_the_last_global_administrator,
    only_user_managers_act,
    bulk_skips_yourself_and_handles_the_others,
    bulk_refuses_bad_selections_whole,
    bulk_delete_of_a_thousand_users,
    the_page_offers_row_menus_and_selection_only_to_user_managers,
);

async fn id_of(app: &TestApp, email: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
}

async fn text(app: &TestApp, sql: &str) -> String {
    sqlx::query_scalar(sql).fetch_one(&app.state.db.pool).await.unwrap()
}

async fn call_on(app: &TestApp, endpoint: &str, user_id: i64, extra: &[(&str, &str)], session: &str) -> TestResponse {
    let id = user_id.to_string();
    let mut form = vec![("user_id", id.as_str())];
    form.extend_from_slice(extra);
    app.call(endpoint, &form, Some(session)).await
}

fn assert_refused(response: &TestResponse, status: StatusCode, message: &str) {
    assert_eq!(response.status, status, "{response:?}");
    assert!(
        response.body.contains(message),
        "expected {message:?} in {}",
        response.body
    );
}

/// The latest activity entry with this action: (actor name, object name, details).
async fn last_entry(app: &TestApp, action: &str) -> (String, String, Value) {
    let row: (String, String, String) = sqlx::query_as(
        "SELECT actor_name, object_name, details FROM activity_log WHERE action = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(action)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap_or_else(|e| panic!("no {action} entry: {e}"));
    (row.0, row.1, json(&row.2))
}

/// Users inserted directly (fast); returns their ids.
async fn seed_users(app: &TestApp, count: usize, prefix: &str) -> Vec<i64> {
    let mut tx = app.state.db.begin().await.unwrap();
    let mut ids = Vec::with_capacity(count);
    for i in 0..count {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (email, first_name, last_name, password_hash, role, status, created_at, updated_at) \
             VALUES ($1, $2, 'Seeded', 'x', 'analyst', 'active', 1, 1) RETURNING id",
        )
        .bind(format!("{prefix}{i}@example.com"))
        .bind(format!("{prefix}{i}"))
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        ids.push(id);
    }
    tx.commit().await.unwrap();
    ids
}

async fn edit_name_and_role_record_before_and_after(app: TestApp) {
    let admin = app.register_admin().await;
    app.user_with_role(&admin, "bob@example.com", "analyst").await;
    let bob = id_of(&app, "bob@example.com").await;

    let renamed = call_on(
        &app,
        "users/update_name",
        bob,
        &[("first_name", " Robert "), ("last_name", "Baumeister")],
        &admin,
    )
    .await;
    assert_eq!(renamed.status, StatusCode::OK, "{renamed:?}");
    let listed = app.call("users/list", &[("q", "robert")], Some(&admin)).await;
    assert_eq!(
        json(&listed.body)["rows"][0]["last_name"],
        "Baumeister",
        "search follows the rename"
    );
    let (actor, object, details) = last_entry(&app, "user.updated").await;
    assert_eq!((actor.as_str(), object.as_str()), ("Ada Lovelace", "Bob Builder"));
    assert_eq!(
        details["before"],
        serde_json::json!({ "first_name": "Bob", "last_name": "Builder" })
    );
    assert_eq!(
        details["after"],
        serde_json::json!({ "first_name": "Robert", "last_name": "Baumeister" })
    );

    let promoted = call_on(&app, "users/change_role", bob, &[("role", "admin")], &admin).await;
    assert_eq!(promoted.status, StatusCode::OK, "{promoted:?}");
    assert_eq!(
        text(&app, &format!("SELECT role FROM users WHERE id = {bob}")).await,
        "admin"
    );
    let (_, object, details) = last_entry(&app, "user.role_changed").await;
    assert_eq!(object, "Robert Baumeister");
    assert_eq!(details["before"]["role"], "Analyst");
    assert_eq!(details["after"]["role"], "Administrator");

    // The same role again changes nothing and logs nothing.
    let entries = app.count("SELECT COUNT(*) FROM activity_log").await;
    let same = call_on(&app, "users/change_role", bob, &[("role", "admin")], &admin).await;
    assert_eq!(same.status, StatusCode::OK);
    assert_eq!(app.count("SELECT COUNT(*) FROM activity_log").await, entries);
}

async fn bad_input_and_unknown_users_change_nothing(app: TestApp) {
    let admin = app.register_admin().await;
    app.user_with_role(&admin, "bob@example.com", "analyst").await;
    let bob = id_of(&app, "bob@example.com").await;
    let entries = app.count("SELECT COUNT(*) FROM activity_log").await;

    let blank = call_on(
        &app,
        "users/update_name",
        bob,
        &[("first_name", "  "), ("last_name", &"x".repeat(101))],
        &admin,
    )
    .await;
    assert_refused(&blank, StatusCode::UNPROCESSABLE_ENTITY, "First name is required.");
    assert!(
        blank.body.contains("Last name must be at most 100 characters."),
        "{}",
        blank.body
    );
    let role = call_on(&app, "users/change_role", bob, &[("role", "root")], &admin).await;
    assert_refused(&role, StatusCode::UNPROCESSABLE_ENTITY, "Choose a role.");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM users WHERE id = {bob} AND first_name = 'Bob' AND last_name = 'Builder' AND role = 'analyst'"
        ))
        .await,
        1
    );

    for (endpoint, extra) in [
        ("users/update_name", vec![("first_name", "A"), ("last_name", "B")]),
        ("users/change_role", vec![("role", "analyst")]),
        ("users/disable", vec![]),
        ("users/enable", vec![]),
        ("users/delete", vec![]),
    ] {
        let missing = call_on(&app, endpoint, 999_999, &extra, &admin).await;
        assert_refused(&missing, StatusCode::NOT_FOUND, "That user no longer exists.");
    }
    // A non-numeric id never reaches the function: the framework refuses the arguments (its
    // status is the framework's, 500 today; the body says what is wrong).
    let garbage = app.call("users/disable", &[("user_id", "bob")], Some(&admin)).await;
    assert!(!garbage.status.is_success(), "{garbage:?}");
    assert!(garbage.body.contains("Bad request"), "{}", garbage.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM activity_log").await,
        entries,
        "nothing logged"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE status = 'active'").await, 2);
}

async fn disable_ends_sessions_at_once_and_enable_restores_sign_in(app: TestApp) {
    let admin = app.register_admin().await;
    let first_tab = app.user_with_role(&admin, "bob@example.com", "read_only").await;
    let bob = id_of(&app, "bob@example.com").await;
    let second_tab = app
        .login("bob@example.com", INVITEE_PASSWORD)
        .await
        .session_cookie()
        .unwrap();
    let untouched = app
        .login("bob@example.com", INVITEE_PASSWORD)
        .await
        .session_cookie()
        .unwrap();
    assert_eq!(
        app.call("users/list", &[], Some(&first_tab)).await.status,
        StatusCode::OK
    );
    let outbox = app
        .count("SELECT COUNT(*) FROM outbox WHERE recipient = 'bob@example.com' AND subject = 'Your Roster account is ready'")
        .await;
    assert_eq!(outbox, 1, "the account-ready email");

    let disabled = call_on(&app, "users/disable", bob, &[], &admin).await;
    assert_eq!(disabled.status, StatusCode::OK, "{disabled:?}");
    let (_, object, details) = last_entry(&app, "user.disabled").await;
    assert_eq!(object, "Bob Builder");
    assert_eq!(details["before"]["status"], "active");
    assert_eq!(details["after"]["status"], "disabled");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM users WHERE id = {bob} AND disabled_at IS NOT NULL"
        ))
        .await,
        1
    );

    // Any request from any of Bob's open tabs ends that session and says why.
    let call = app.call("users/list", &[], Some(&first_tab)).await;
    assert_refused(&call, StatusCode::UNAUTHORIZED, "AccessDisabled");
    let page = app.get("/settings/users", Some(&second_tab)).await;
    assert_eq!(page.status, StatusCode::FOUND);
    assert_eq!(
        page.header("location"),
        Some("/login?next=/settings/users&reason=disabled")
    );
    let login = app.login("bob@example.com", INVITEE_PASSWORD).await;
    // The same refusal as a wrong password: a different one would confirm a guessed password.
    assert_refused(&login, StatusCode::UNPROCESSABLE_ENTITY, "Wrong email or password.");
    assert!(login.session_cookie().is_none());
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE recipient = 'bob@example.com' AND subject = 'Your Roster account is ready'")
            .await,
        outbox,
        "pending emails are kept"
    );
    let again = call_on(&app, "users/disable", bob, &[], &admin).await;
    assert_refused(&again, StatusCode::CONFLICT, "Access is already disabled.");

    let enabled = call_on(&app, "users/enable", bob, &[], &admin).await;
    assert_eq!(enabled.status, StatusCode::OK, "{enabled:?}");
    let (_, _, details) = last_entry(&app, "user.enabled").await;
    assert_eq!(details["before"]["status"], "disabled");
    assert_eq!(details["after"]["status"], "active");
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM sessions WHERE user_id = {bob}"))
            .await,
        0,
        "leftover sessions are gone"
    );
    let old = app.call("users/list", &[], Some(&untouched)).await;
    assert_refused(&old, StatusCode::UNAUTHORIZED, "Unauthenticated");
    let fresh = app.login("bob@example.com", INVITEE_PASSWORD).await;
    let session = fresh.session_cookie().expect("signs in again");
    assert_eq!(app.call("users/list", &[], Some(&session)).await.status, StatusCode::OK);
    let again = call_on(&app, "users/enable", bob, &[], &admin).await;
    assert_refused(&again, StatusCode::CONFLICT, "Access is already enabled.");
}

async fn delete_removes_sessions_memberships_and_sent_invites_but_keeps_the_log(app: TestApp) {
    let admin = app.register_admin().await;
    let bob_session = app.user_with_role(&admin, "bob@example.com", "admin").await;
    let bob = id_of(&app, "bob@example.com").await;
    let invited = app
        .call(
            "invites/create",
            &[("email", "carol@example.com"), ("role", "analyst"), ("lifetime", "24h")],
            Some(&bob_session),
        )
        .await;
    assert_eq!(invited.status, StatusCode::OK, "{invited:?}");
    let carol_invite = json(&invited.body)["invite_id"].as_i64().unwrap();
    app.execute(
        "INSERT INTO groups (name, name_key, role, created_at, updated_at) VALUES ('Ops', 'ops', 'analyst', 1, 1)",
    )
    .await;
    app.execute(&format!(
        "INSERT INTO group_members (group_id, user_id, added_at) SELECT id, {bob}, 1 FROM groups WHERE name_key = 'ops'"
    ))
    .await;

    let deleted = call_on(&app, "users/delete", bob, &[], &admin).await;
    assert_eq!(deleted.status, StatusCode::OK, "{deleted:?}");
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM users WHERE id = {bob}")).await,
        0
    );
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM sessions WHERE user_id = {bob}"))
            .await,
        0
    );
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM group_members WHERE user_id = {bob}"))
            .await,
        0
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM invites WHERE id = {carol_invite} AND status = 'revoked' AND revoked_at IS NOT NULL"
        ))
        .await,
        1,
        "Bob's pending invitation is revoked"
    );
    let call = app.call("users/list", &[], Some(&bob_session)).await;
    assert_refused(&call, StatusCode::UNAUTHORIZED, "Unauthenticated");
    let searched = app.call("users/list", &[("q", "builder")], Some(&admin)).await;
    assert_eq!(json(&searched.body)["total"], 0, "gone from search");

    // The log keeps names as they were: Bob's own entries and the deletion.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM activity_log WHERE action = 'invite.created' AND actor_name = 'Bob Builder'")
            .await,
        1
    );
    let (actor, object, details) = last_entry(&app, "user.deleted").await;
    assert_eq!((actor.as_str(), object.as_str()), ("Ada Lovelace", "Bob Builder"));
    assert_eq!(details["before"]["email"], "bob@example.com");
    assert_eq!(details["before"]["role"], "Administrator");
    assert!(details["after"].is_null());
    assert_eq!(details["pending_invites_revoked"], 1);

    let twice = call_on(&app, "users/delete", bob, &[], &admin).await;
    assert_refused(&twice, StatusCode::NOT_FOUND, "That user no longer exists.");
}

async fn nobody_disables_deletes_or_demotes_themselves(app: TestApp) {
    let admin = app.register_admin().await;
    let ada = id_of(&app, ADMIN_EMAIL).await;
    let bob_session = app.user_with_role(&admin, "bob@example.com", "admin").await;
    let bob = id_of(&app, "bob@example.com").await;
    for (session, me) in [(&admin, ada), (&bob_session, bob)] {
        let disable = call_on(&app, "users/disable", me, &[], session).await;
        assert_refused(&disable, StatusCode::FORBIDDEN, "You cannot disable yourself.");
        let delete = call_on(&app, "users/delete", me, &[], session).await;
        assert_refused(&delete, StatusCode::FORBIDDEN, "You cannot delete yourself.");
        let demote = call_on(&app, "users/change_role", me, &[("role", "analyst")], session).await;
        assert_refused(&demote, StatusCode::FORBIDDEN, "You cannot change your own role.");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE status = 'active'").await, 2);
    assert_eq!(
        text(&app, &format!("SELECT role FROM users WHERE id = {bob}")).await,
        "admin"
    );
    // Your own name is yours to fix.
    let rename = call_on(
        &app,
        "users/update_name",
        bob,
        &[("first_name", "Rob"), ("last_name", "B")],
        &bob_session,
    )
    .await;
    assert_eq!(rename.status, StatusCode::OK, "{rename:?}");
}

async fn administrators_cannot_act_on_or_grant_global_administrator(app: TestApp) {
    let admin = app.register_admin().await;
    let ada = id_of(&app, ADMIN_EMAIL).await;
    let bob_session = app.user_with_role(&admin, "bob@example.com", "admin").await;
    app.user_with_role(&admin, "carol@example.com", "analyst").await;
    let carol = id_of(&app, "carol@example.com").await;
    for (endpoint, extra) in [
        ("users/update_name", vec![("first_name", "A"), ("last_name", "B")]),
        ("users/change_role", vec![("role", "analyst")]),
        ("users/disable", vec![]),
        ("users/delete", vec![]),
    ] {
        let response = call_on(&app, endpoint, ada, &extra, &bob_session).await;
        assert_refused(
            &response,
            StatusCode::FORBIDDEN,
            "Only a Global Administrator can change a Global Administrator.",
        );
    }
    let grant = call_on(
        &app,
        "users/change_role",
        carol,
        &[("role", "global_admin")],
        &bob_session,
    )
    .await;
    assert_refused(
        &grant,
        StatusCode::FORBIDDEN,
        "Only a Global Administrator can grant the Global Administrator role.",
    );
    assert_eq!(
        text(&app, &format!("SELECT role FROM users WHERE id = {ada}")).await,
        "global_admin"
    );
    assert_eq!(
        text(&app, &format!("SELECT first_name FROM users WHERE id = {ada}")).await,
        "Ada"
    );
    let promote = call_on(&app, "users/change_role", carol, &[("role", "admin")], &bob_session).await;
    assert_eq!(
        promote.status,
        StatusCode::OK,
        "an Administrator may grant Administrator"
    );
    let grant = call_on(&app, "users/change_role", carol, &[("role", "global_admin")], &admin).await;
    assert_eq!(grant.status, StatusCode::OK, "a Global Administrator may grant it");
}

/// An Administrator who holds ManageGlobalAdmins through a group: they may act on Global
/// Administrators, so only the last-one rule stands in their way.
async fn group_global_admin(app: &TestApp, admin: &str, email: &str) -> String {
    let session = app.user_with_role(admin, email, "admin").await;
    let id = id_of(app, email).await;
    app.execute(
        "INSERT INTO groups (name, name_key, role, created_at, updated_at) VALUES ('Root', 'root', 'global_admin', 1, 1)",
    )
    .await;
    app.execute(&format!(
        "INSERT INTO group_members (group_id, user_id, added_at) SELECT id, {id}, 1 FROM groups WHERE name_key = 'root'"
    ))
    .await;
    session
}

async fn the_last_active_global_administrator_stays(app: TestApp) {
    let admin = app.register_admin().await;
    let ada = id_of(&app, ADMIN_EMAIL).await;
    let bob_session = group_global_admin(&app, &admin, "bob@example.com").await;
    let entries = app.count("SELECT COUNT(*) FROM activity_log").await;
    let disable = call_on(&app, "users/disable", ada, &[], &bob_session).await;
    assert_refused(
        &disable,
        StatusCode::CONFLICT,
        "The last active Global Administrator cannot be disabled.",
    );
    let delete = call_on(&app, "users/delete", ada, &[], &bob_session).await;
    assert_refused(
        &delete,
        StatusCode::CONFLICT,
        "The last active Global Administrator cannot be deleted.",
    );
    let demote = call_on(&app, "users/change_role", ada, &[("role", "admin")], &bob_session).await;
    assert_refused(
        &demote,
        StatusCode::CONFLICT,
        "The last active Global Administrator cannot be demoted.",
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM users WHERE id = {ada} AND role = 'global_admin' AND status = 'active'"
        ))
        .await,
        1,
        "rolled back"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM activity_log").await, entries);
    assert!(app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.session_cookie().is_some());

    // With a second active Global Administrator, the first may go.
    app.user_with_role(&admin, "carol@example.com", "global_admin").await;
    let disable = call_on(&app, "users/disable", ada, &[], &bob_session).await;
    assert_eq!(disable.status, StatusCode::OK, "{disable:?}");
    // A disabled one does not count: Carol is now the last active one.
    let carol = id_of(&app, "carol@example.com").await;
    let delete = call_on(&app, "users/delete", carol, &[], &bob_session).await;
    assert_refused(
        &delete,
        StatusCode::CONFLICT,
        "The last active Global Administrator cannot be deleted.",
    );
    let delete_disabled = call_on(&app, "users/delete", ada, &[], &bob_session).await;
    assert_eq!(delete_disabled.status, StatusCode::OK, "a disabled one may be deleted");
}

async fn concurrent_disables_never_remove_the_last_global_administrator(app: TestApp) {
    let admin = app.register_admin().await;
    let ada = id_of(&app, ADMIN_EMAIL).await;
    app.user_with_role(&admin, "carol@example.com", "global_admin").await;
    let carol = id_of(&app, "carol@example.com").await;
    let bob = group_global_admin(&app, &admin, "bob@example.com").await;
    for round in 0..5 {
        let (a, c) = tokio::join!(
            call_on(&app, "users/disable", ada, &[], &bob),
            call_on(&app, "users/disable", carol, &[], &bob),
        );
        let mut statuses = [a.status, c.status];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::OK, StatusCode::CONFLICT],
            "round {round}: {a:?} {c:?}"
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM users WHERE role = 'global_admin' AND status = 'active'")
                .await,
            1
        );
        let disabled = if a.status == StatusCode::OK { ada } else { carol };
        assert_eq!(
            call_on(&app, "users/enable", disabled, &[], &bob).await.status,
            StatusCode::OK
        );
    }
}

async fn only_user_managers_act(app: TestApp) {
    let admin = app.register_admin().await;
    let ada = id_of(&app, ADMIN_EMAIL).await;
    for role in ["read_only", "analyst", "api_developer"] {
        let session = app.user_with_role(&admin, &format!("{role}@example.com"), role).await;
        for (endpoint, extra) in [
            ("users/update_name", vec![("first_name", "A"), ("last_name", "B")]),
            ("users/change_role", vec![("role", "analyst")]),
            ("users/disable", vec![]),
            ("users/enable", vec![]),
            ("users/delete", vec![]),
        ] {
            for target in [ada, 999_999] {
                let response = call_on(&app, endpoint, target, &extra, &session).await;
                assert_eq!(response.status, StatusCode::FORBIDDEN, "{role} {endpoint} {target}");
            }
        }
        let bulk = app
            .call(
                "users/bulk",
                &[("action", "delete"), ("user_ids", "garbage")],
                Some(&session),
            )
            .await;
        assert_eq!(bulk.status, StatusCode::FORBIDDEN, "permission before parsing");
    }
    let anonymous = app.call("users/disable", &[("user_id", "1")], None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE status = 'active'").await, 4);
}

async fn bulk(app: &TestApp, session: &str, action: &str, ids: &[i64]) -> Value {
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    let response = app
        .call(
            "users/bulk",
            &[("action", action), ("user_ids", &list.join(","))],
            Some(session),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    json(&response.body)
}

async fn bulk_skips_yourself_and_handles_the_others(app: TestApp) {
    let admin = app.register_admin().await;
    let ada = id_of(&app, ADMIN_EMAIL).await;
    let users = seed_users(&app, 9, "member").await;
    let mut selection = users.clone();
    selection.insert(3, ada);

    let summary = bulk(&app, &admin, "disable", &selection).await;
    assert_eq!(
        summary["message"],
        "9 disabled; 1 skipped: you cannot disable yourself."
    );
    assert_eq!(summary["done"], 9);
    assert_eq!(summary["skipped"][0]["user_id"], ada);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE status = 'disabled'").await,
        9
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM activity_log WHERE action = 'user.disabled'")
            .await,
        9
    );

    let again = bulk(&app, &admin, "disable", &[users[0], users[1]]).await;
    assert_eq!(again["message"], "0 disabled; 2 skipped: access is already disabled.");
    let enabled = bulk(&app, &admin, "enable", &[users[0], users[0], users[1], ada]).await;
    assert_eq!(enabled["message"], "2 enabled; 1 skipped: access is already enabled.");

    let deleted = bulk(&app, &admin, "delete", &[users[0], 999_999, ada, users[2]]).await;
    assert_eq!(
        deleted["message"],
        "2 deleted; 2 skipped: that user no longer exists (1), you cannot delete yourself (1)."
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 8);
}

async fn bulk_refuses_bad_selections_whole(app: TestApp) {
    let admin = app.register_admin().await;
    let users = seed_users(&app, 2, "member").await;
    let too_many: Vec<String> = (1..=1001).map(|i| i.to_string()).collect();
    let cases = [
        ("disable", String::new()),
        ("disable", format!("{},x", users[0])),
        ("disable", format!("{};{}", users[0], users[1])),
        ("disable", too_many.join(",")),
        ("explode", format!("{},{}", users[0], users[1])),
    ];
    for (action, ids) in &cases {
        let response = app
            .call("users/bulk", &[("action", action), ("user_ids", ids)], Some(&admin))
            .await;
        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{action} {ids}: {response:?}"
        );
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE status = 'active'").await, 3);
}

async fn bulk_delete_of_a_thousand_users(app: TestApp) {
    let admin = app.register_admin().await;
    let users = seed_users(&app, 1000, "bulk").await;
    // Each with a session and a group membership, so the cascades have work to do.
    app.execute(
        "INSERT INTO groups (name, name_key, role, created_at, updated_at) VALUES ('All', 'all', 'analyst', 1, 1)",
    )
    .await;
    app.execute(
        "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at) \
         SELECT 'h' || id, id, 1, 1, 2 FROM users WHERE email LIKE 'bulk%'",
    )
    .await;
    app.execute(
        "INSERT INTO group_members (group_id, user_id, added_at) \
         SELECT g.id, u.id, 1 FROM groups g, users u WHERE g.name_key = 'all' AND u.email LIKE 'bulk%'",
    )
    .await;
    let started = std::time::Instant::now();
    let summary = bulk(&app, &admin, "delete", &users).await;
    let elapsed = started.elapsed();
    eprintln!("bulk delete of 1,000 users took {elapsed:?}");
    assert_eq!(summary["message"], "1000 deleted.");
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sessions WHERE token_hash LIKE 'h%'")
            .await,
        0
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM group_members").await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM activity_log WHERE action = 'user.deleted'")
            .await,
        1000
    );
}

async fn the_page_offers_row_menus_and_selection_only_to_user_managers(app: TestApp) {
    let admin = app.register_admin().await;
    let reader = app.user_with_role(&admin, "bob@example.com", "read_only").await;
    let page = app.get("/settings/users", Some(&admin)).await;
    assert_eq!(page.status, StatusCode::OK);
    for expected in [
        "aria-label=\"Select all on this page\"",
        "aria-label=\"Select Bob Builder\"",
        "aria-label=\"Actions for bob@example.com\"",
    ] {
        assert!(page.body.contains(expected), "{expected} missing from the page");
    }
    // A menu's items are rendered in the browser when it opens (Playwright, 04-users).
    assert!(
        !page.body.contains("Edit user settings"),
        "menus are sent closed and empty"
    );
    let page = app.get("/settings/users", Some(&reader)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("bob@example.com"), "the list is shown");
    assert!(!page.body.contains("Select all on this page"));
    assert!(!page.body.contains("Actions for"));
}
