//! Groups through the real router, on SQLite and PostgreSQL: CRUD and its validation, members
//! (never users) coming and going, the permissions a group grants, and who may do what.

use crate::common::{json, TestApp, TestResponse, ADMIN_EMAIL};
use axum::http::StatusCode;
use serde_json::Value;

on_both_backends!(
    groups_are_created_renamed_described_and_deleted,
    bad_input_and_duplicate_names_change_nothing,
    members_come_and_go_and_users_stay,
    a_group_role_adds_permissions_on_the_next_request,
    only_global_admins_act_on_global_administrator,
    who_may_view_and_who_may_manage_groups,
    the_page_shows_groups_with_controls_only_for_managers,
);

async fn create(app: &TestApp, session: &str, name: &str, description: &str, role: &str) -> TestResponse {
    app.call(
        "groups/create",
        &[("name", name), ("description", description), ("role", role)],
        Some(session),
    )
    .await
}

/// Creates a group that must be accepted; returns its id.
async fn created(app: &TestApp, session: &str, name: &str, role: &str) -> i64 {
    let response = create(app, session, name, "", role).await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    json(&response.body).as_i64().expect("the new group's id")
}

async fn update(app: &TestApp, session: &str, id: i64, name: &str, description: &str, role: &str) -> TestResponse {
    let id = id.to_string();
    app.call(
        "groups/update",
        &[
            ("group_id", &id),
            ("name", name),
            ("description", description),
            ("role", role),
        ],
        Some(session),
    )
    .await
}

async fn delete(app: &TestApp, session: &str, id: i64) -> TestResponse {
    app.call("groups/delete", &[("group_id", &id.to_string())], Some(session))
        .await
}

async fn member(app: &TestApp, endpoint: &str, session: &str, group: i64, user: i64) -> TestResponse {
    let (group, user) = (group.to_string(), user.to_string());
    app.call(endpoint, &[("group_id", &group), ("user_id", &user)], Some(session))
        .await
}

async fn add(app: &TestApp, session: &str, group: i64, user: i64) -> TestResponse {
    member(app, "groups/add_member", session, group, user).await
}

async fn remove(app: &TestApp, session: &str, group: i64, user: i64) -> TestResponse {
    member(app, "groups/remove_member", session, group, user).await
}

async fn list(app: &TestApp, session: &str) -> Vec<Value> {
    let response = app.call("groups/list", &[], Some(session)).await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    json(&response.body).as_array().unwrap().clone()
}

async fn members(app: &TestApp, session: &str, group: i64) -> Vec<Value> {
    let response = app
        .call("groups/members", &[("group_id", &group.to_string())], Some(session))
        .await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    json(&response.body).as_array().unwrap().clone()
}

async fn user_id(app: &TestApp, email: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
}

async fn activity(app: &TestApp, action: &str) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) FROM activity_log WHERE action = '{action}' AND object_type = 'group'"
    ))
    .await
}

fn assert_refused(response: &TestResponse, status: StatusCode, message: &str) {
    assert_eq!(response.status, status, "{response:?}");
    assert!(
        response.body.contains(message),
        "expected “{message}” in {}",
        response.body
    );
}

async fn groups_are_created_renamed_described_and_deleted(app: TestApp) {
    let admin = app.register_admin().await;
    let response = create(&app, &admin, "  Night shift ", "On call after 18:00", "analyst").await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    let night = json(&response.body).as_i64().unwrap();
    let audit = created(&app, &admin, "auditors", "read_only").await;

    let groups = list(&app, &admin).await;
    let names: Vec<&str> = groups.iter().map(|g| g["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["auditors", "Night shift"],
        "sorted by name, case aside, trimmed"
    );
    assert_eq!(groups[1]["description"], "On call after 18:00");
    assert_eq!(groups[1]["role"], "Analyst");
    assert_eq!(groups[1]["member_count"], 0);
    assert_eq!(activity(&app, "group.created").await, 2);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM activity_log WHERE action = 'group.created' AND object_name = 'Night shift' AND actor_email = 'ada@example.com' AND details LIKE '%Analyst%'").await,
        1
    );

    let renamed = update(&app, &admin, night, "Late shift", "Evenings", "admin").await;
    assert_eq!(renamed.status, StatusCode::OK, "{renamed:?}");
    let groups = list(&app, &admin).await;
    let late = groups.iter().find(|g| g["id"] == night).unwrap();
    assert_eq!(
        (&late["name"], &late["description"], &late["role"]),
        (&"Late shift".into(), &"Evenings".into(), &"Administrator".into())
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM groups WHERE name_key = 'late shift'")
            .await,
        1
    );
    let details: String = sqlx::query_scalar("SELECT details FROM activity_log WHERE action = 'group.updated'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let details = json(&details);
    assert_eq!(details["before"]["name"], "Night shift");
    assert_eq!(details["before"]["role"], "Analyst");
    assert_eq!(details["after"]["name"], "Late shift");
    assert_eq!(details["after"]["description"], "Evenings");

    // Changing only the case of the name is a rename, not a clash with itself.
    let recased = update(&app, &admin, night, "LATE shift", "Evenings", "admin").await;
    assert_eq!(recased.status, StatusCode::OK, "{recased:?}");
    // Saving without a change records nothing.
    let same = update(&app, &admin, night, "LATE shift", "Evenings", "admin").await;
    assert_eq!(same.status, StatusCode::OK, "{same:?}");
    assert_eq!(activity(&app, "group.updated").await, 2);

    let deleted = delete(&app, &admin, audit).await;
    assert_eq!(deleted.status, StatusCode::OK, "{deleted:?}");
    assert_eq!(list(&app, &admin).await.len(), 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM activity_log WHERE action = 'group.deleted' AND object_name = 'auditors' AND details LIKE '%\"members\":0%'").await,
        1
    );

    let gone = "That group no longer exists.";
    assert_refused(&delete(&app, &admin, audit).await, StatusCode::NOT_FOUND, gone);
    assert_refused(
        &update(&app, &admin, audit, "x", "", "analyst").await,
        StatusCode::NOT_FOUND,
        gone,
    );
    let response = app
        .call("groups/members", &[("group_id", "999999")], Some(&admin))
        .await;
    assert_refused(&response, StatusCode::NOT_FOUND, gone);
    assert_refused(&add(&app, &admin, 999_999, 1).await, StatusCode::NOT_FOUND, gone);
    assert_refused(&remove(&app, &admin, 999_999, 1).await, StatusCode::NOT_FOUND, gone);
}

async fn bad_input_and_duplicate_names_change_nothing(app: TestApp) {
    let admin = app.register_admin().await;
    let ops = created(&app, &admin, "Ops", "analyst").await;
    let before_groups = app.count("SELECT COUNT(*) FROM groups").await;
    let before_log = app.count("SELECT COUNT(*) FROM activity_log").await;

    let long_name = "x".repeat(61);
    let long_description = "d".repeat(501);
    let cases: [(&str, &str, &str, &str); 6] = [
        ("   ", "", "analyst", "Name is required."),
        (&long_name, "", "analyst", "Name must be at most 60 characters."),
        ("Tab\tname", "", "analyst", "Name must not contain control characters."),
        (
            "Fine",
            &long_description,
            "analyst",
            "Description must be at most 500 characters.",
        ),
        ("Fine", "", "root", "Choose a role."),
        ("oPS", "", "analyst", "A group named “oPS” already exists."),
    ];
    for (name, description, role, message) in cases {
        let response = create(&app, &admin, name, description, role).await;
        assert_refused(&response, StatusCode::UNPROCESSABLE_ENTITY, message);
        // (Ops itself may be renamed to oPS: that is only a change of case.)
        if name != "oPS" {
            let response = update(&app, &admin, ops, name, description, role).await;
            assert_refused(&response, StatusCode::UNPROCESSABLE_ENTITY, message);
        }
    }
    // Every problem at once, each under its field.
    let response = create(&app, &admin, "", &long_description, "").await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = json(&response.body)["Invalid"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fields, ["name", "description", "role"]);

    let other = created(&app, &admin, "Support", "read_only").await;
    assert_refused(
        &update(&app, &admin, other, "OPS", "", "read_only").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "A group named “OPS” already exists.",
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM groups").await, before_groups + 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM groups WHERE name = 'Ops' AND role = 'analyst' AND description = ''")
            .await,
        1,
        "refused changes left Ops as it was"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM groups WHERE name = 'Support'").await, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM activity_log").await,
        before_log + 1,
        "only Support's creation was recorded"
    );
}

async fn members_come_and_go_and_users_stay(app: TestApp) {
    let admin = app.register_admin().await;
    app.user_with_role(&admin, "bob@example.com", "analyst").await;
    let bob = user_id(&app, "bob@example.com").await;
    let red = created(&app, &admin, "Red team", "analyst").await;
    let blue = created(&app, &admin, "Blue team", "read_only").await;

    for group in [red, blue] {
        let response = add(&app, &admin, group, bob).await;
        assert_eq!(response.status, StatusCode::OK, "{response:?}");
    }
    assert_refused(
        &add(&app, &admin, red, bob).await,
        StatusCode::CONFLICT,
        "bob@example.com is already in Red team.",
    );
    assert_refused(
        &add(&app, &admin, red, 999_999).await,
        StatusCode::NOT_FOUND,
        "That user no longer exists.",
    );
    let listed = members(&app, &admin, red).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], bob);
    assert_eq!(listed[0]["name"], "Bob Builder");
    assert_eq!(listed[0]["email"], "bob@example.com");
    assert_eq!(listed[0]["role"], "Analyst");
    let counts: Vec<i64> = list(&app, &admin)
        .await
        .iter()
        .map(|g| g["member_count"].as_i64().unwrap())
        .collect();
    assert_eq!(counts, [1, 1]);

    // The users list shows both groups on Bob's row.
    let response = app
        .call("users/list", &[("tab", "active"), ("q", "bob@")], Some(&admin))
        .await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    let rows = json(&response.body)["rows"].as_array().unwrap().clone();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["groups"], serde_json::json!(["Blue team", "Red team"]));

    let response = remove(&app, &admin, red, bob).await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    assert_refused(
        &remove(&app, &admin, red, bob).await,
        StatusCode::NOT_FOUND,
        "bob@example.com is not in Red team.",
    );
    assert!(members(&app, &admin, red).await.is_empty());
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM users WHERE id = {bob} AND status = 'active'"
        ))
        .await,
        1,
        "removing a member keeps the user"
    );

    let response = delete(&app, &admin, blue).await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM users WHERE id = {bob}")).await,
        1,
        "deleting a group keeps its users"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM group_members").await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM activity_log WHERE action = 'group.deleted' AND object_name = 'Blue team' AND details LIKE '%\"members\":1%'").await,
        1
    );
    assert_eq!(activity(&app, "group.member_added").await, 2);
    assert_eq!(activity(&app, "group.member_removed").await, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM activity_log WHERE action = 'group.member_removed' AND object_name = 'Red team' AND details LIKE '%bob@example.com%' AND details LIKE '%Bob Builder%'").await,
        1
    );
}

async fn a_group_role_adds_permissions_on_the_next_request(app: TestApp) {
    let admin = app.register_admin().await;
    let reader = app.user_with_role(&admin, "rita@example.com", "read_only").await;
    let rita = user_id(&app, "rita@example.com").await;
    let invite = |email: &'static str| [("email", email), ("role", "analyst"), ("lifetime", "24h")];

    let refused = app
        .call("invites/create", &invite("a@example.com"), Some(&reader))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{refused:?}");

    let admins = created(&app, &admin, "Deputies", "admin").await;
    assert_eq!(add(&app, &admin, admins, rita).await.status, StatusCode::OK);
    let allowed = app
        .call("invites/create", &invite("b@example.com"), Some(&reader))
        .await;
    assert_eq!(
        allowed.status,
        StatusCode::OK,
        "the same session can now invite: {allowed:?}"
    );
    // The group's Administrator role is not Global Administrator.
    let global = app
        .call(
            "invites/create",
            &[
                ("email", "c@example.com"),
                ("role", "global_admin"),
                ("lifetime", "24h"),
            ],
            Some(&reader),
        )
        .await;
    assert_eq!(global.status, StatusCode::FORBIDDEN, "{global:?}");

    assert_eq!(remove(&app, &admin, admins, rita).await.status, StatusCode::OK);
    let refused = app
        .call("invites/create", &invite("d@example.com"), Some(&reader))
        .await;
    assert_eq!(
        refused.status,
        StatusCode::FORBIDDEN,
        "refused again after removal: {refused:?}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE email = 'rita@example.com' AND role = 'read_only'")
            .await,
        1,
        "the user's own role never changed"
    );
}

async fn only_global_admins_act_on_global_administrator(app: TestApp) {
    let global = app.register_admin().await;
    let ada = user_id(&app, ADMIN_EMAIL).await;
    let admin = app.user_with_role(&global, "adam@example.com", "admin").await;
    app.user_with_role(&global, "ann@example.com", "analyst").await;
    let ann = user_id(&app, "ann@example.com").await;

    assert_refused(
        &create(&app, &admin, "Root", "", "global_admin").await,
        StatusCode::FORBIDDEN,
        "Only a Global Administrator can create a group with the Global Administrator role.",
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM groups").await, 0);
    let root = created(&app, &global, "Root", "global_admin").await;
    let staff = created(&app, &admin, "Staff", "analyst").await;

    // A Global Administrator group: an Administrator can neither change, empty, fill nor delete it.
    let only = "Only a Global Administrator can";
    assert_refused(
        &update(&app, &admin, root, "Root", "", "analyst").await,
        StatusCode::FORBIDDEN,
        only,
    );
    assert_refused(
        &update(&app, &admin, root, "Root 2", "", "global_admin").await,
        StatusCode::FORBIDDEN,
        only,
    );
    assert_refused(&add(&app, &admin, root, ann).await, StatusCode::FORBIDDEN, only);
    assert_refused(&delete(&app, &admin, root).await, StatusCode::FORBIDDEN, only);
    // Nor turn another group into one.
    assert_refused(
        &update(&app, &admin, staff, "Staff", "", "global_admin").await,
        StatusCode::FORBIDDEN,
        "Only a Global Administrator can grant the Global Administrator role to a group.",
    );
    // Nor add or remove a Global Administrator anywhere.
    assert_refused(
        &add(&app, &admin, staff, ada).await,
        StatusCode::FORBIDDEN,
        "Only a Global Administrator can add a Global Administrator to a group.",
    );
    assert_eq!(add(&app, &global, staff, ada).await.status, StatusCode::OK);
    assert_refused(
        &remove(&app, &admin, staff, ada).await,
        StatusCode::FORBIDDEN,
        "Only a Global Administrator can remove a Global Administrator from a group.",
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM groups WHERE name = 'Root' AND role = 'global_admin'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM groups WHERE name = 'Staff' AND role = 'analyst'")
            .await,
        1
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM group_members").await, 1);

    // A Global Administrator can do all of it.
    assert_eq!(add(&app, &global, root, ann).await.status, StatusCode::OK);
    assert_eq!(remove(&app, &global, staff, ada).await.status, StatusCode::OK);
    let response = update(&app, &global, staff, "Staff", "", "global_admin").await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    let response = update(&app, &global, root, "Root", "was root", "analyst").await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    assert_eq!(delete(&app, &global, staff).await.status, StatusCode::OK);
}

async fn who_may_view_and_who_may_manage_groups(app: TestApp) {
    let admin = app.register_admin().await;
    let group = created(&app, &admin, "Ops", "analyst").await;
    let id = group.to_string();
    let all_calls: [(&str, Vec<(&str, &str)>); 7] = [
        ("groups/list", vec![]),
        ("groups/members", vec![("group_id", &id)]),
        (
            "groups/create",
            vec![("name", "New"), ("description", ""), ("role", "analyst")],
        ),
        (
            "groups/update",
            vec![
                ("group_id", &id),
                ("name", "Renamed"),
                ("description", ""),
                ("role", "analyst"),
            ],
        ),
        ("groups/add_member", vec![("group_id", &id), ("user_id", "1")]),
        ("groups/remove_member", vec![("group_id", &id), ("user_id", "1")]),
        ("groups/delete", vec![("group_id", &id)]),
    ];
    for (endpoint, form) in &all_calls {
        let response = app.call(endpoint, form, None).await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED, "anonymous {endpoint}");
    }
    for (email, role) in [("an@example.com", "analyst"), ("api@example.com", "api_developer")] {
        let session = app.user_with_role(&admin, email, role).await;
        for (endpoint, form) in &all_calls {
            let response = app.call(endpoint, form, Some(&session)).await;
            assert_eq!(
                response.status,
                StatusCode::FORBIDDEN,
                "{role} {endpoint}: {response:?}"
            );
        }
    }
    let reader = app.user_with_role(&admin, "ro@example.com", "read_only").await;
    for (endpoint, form) in &all_calls {
        let response = app.call(endpoint, form, Some(&reader)).await;
        let expected = if matches!(*endpoint, "groups/list" | "groups/members") {
            StatusCode::OK
        } else {
            StatusCode::FORBIDDEN
        };
        assert_eq!(response.status, expected, "read_only {endpoint}: {response:?}");
    }
    // The permission is checked before the group is looked up.
    let response = app
        .call("groups/delete", &[("group_id", "999999")], Some(&reader))
        .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM groups WHERE name = 'Ops'").await,
        1,
        "nothing changed"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM activity_log WHERE object_type = 'group'")
            .await,
        1
    );
}

async fn the_page_shows_groups_with_controls_only_for_managers(app: TestApp) {
    let admin = app.register_admin().await;
    app.user_with_role(&admin, "bob@example.com", "analyst").await;
    let bob = user_id(&app, "bob@example.com").await;
    let ops = created(&app, &admin, "Ops", "read_only").await;
    assert_eq!(add(&app, &admin, ops, bob).await.status, StatusCode::OK);

    let page = app.get("/settings/groups", Some(&admin)).await;
    assert_eq!(page.status, StatusCode::OK, "{page:?}");
    for text in [
        "<h1>Groups</h1>",
        "New group",
        "Create group",
        r#"aria-label="Group Ops""#,
        "Read Only",
        "1 member",
        "bob@example.com",
        r#"aria-label="Remove bob@example.com from Ops""#,
        "Edit group",
        "Delete group",
        "Find a user",
    ] {
        assert!(page.body.contains(text), "manager sees {text}");
    }

    let reader = app.user_with_role(&admin, "rita@example.com", "read_only").await;
    let page = app.get("/settings/groups", Some(&reader)).await;
    assert_eq!(page.status, StatusCode::OK, "{page:?}");
    assert!(page.body.contains(r#"aria-label="Group Ops""#));
    assert!(page.body.contains("bob@example.com"), "readers see members");
    for text in [
        "Create group",
        "Edit group",
        "Delete group",
        "Find a user",
        "Remove bob",
    ] {
        assert!(!page.body.contains(text), "a reader does not see {text}");
    }

    let analyst = app.user_with_role(&admin, "ann@example.com", "analyst").await;
    let page = app.get("/settings/groups", Some(&analyst)).await;
    assert!(page.body.contains("permission to view this page"), "{}", page.body);
    assert!(!page.body.contains("bob@example.com"));
}
