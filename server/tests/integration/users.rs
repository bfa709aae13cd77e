//! The users list at scale: 10,000 seeded users, paging, sorting and substring search through
//! the real router, on SQLite and PostgreSQL.

use crate::common::{json, TestApp};
use app::db::Backend;
use app::users::search_index::{merge_step, INDEXES};
use axum::http::StatusCode;
use serde_json::Value;
use std::time::Duration;

on_both_backends!(
    paging_visits_every_user_once_in_a_stable_order,
    search_finds_exactly_the_substring_matches,
    tabs_count_and_list_active_and_disabled_users,
    only_roles_that_view_users_see_the_list,
    tab_counts_stay_exact_through_inserts_deletes_and_status_changes,
    a_search_counts_active_matches_up_to_a_thousand_or_the_page_asked_for,
    far_page_jumps_follow_every_change_to_the_list,
    search_results_keep_name_order_through_every_change,
    the_search_index_worker_merges_the_index_and_searches_stay_the_same,
);

const SEEDED: usize = 10_000;
const LAST_NAMES: [&str; 5] = ["Smith", "O'Brien", "Zhang", "Müller", "García"];

struct Seeded {
    id: i64,
    first: String,
    last: String,
    email: String,
    created_at: i64,
}

/// Inserts users quickly in one transaction (the search index follows through triggers or
/// the trigram index). Every tenth is disabled.
async fn seed(app: &TestApp) -> Vec<Seeded> {
    let mut tx = app.state.db.begin().await.unwrap();
    let mut users = Vec::with_capacity(SEEDED);
    for i in 0..SEEDED {
        let first = format!("First{i}");
        let last = format!("{}{}", LAST_NAMES[i % LAST_NAMES.len()], i % 97);
        let email = format!("user{i}@corp{}.example.com", i % 7);
        let status = if i % 10 == 9 { "disabled" } else { "active" };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (email, first_name, last_name, password_hash, role, status, created_at, updated_at) \
             VALUES ($1, $2, $3, 'x', 'analyst', $4, $5, $5) RETURNING id",
        )
        .bind(&email)
        .bind(&first)
        .bind(&last)
        .bind(status)
        .bind(1_700_000_000 + (i as i64 % 500))
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        if status == "active" {
            let created_at = 1_700_000_000 + (i as i64 % 500);
            users.push(Seeded {
                id,
                first,
                last,
                email,
                created_at,
            });
        }
    }
    tx.commit().await.unwrap();
    users
}

/// How many active and disabled users meet `condition`, counted without any index's help.
async fn brute_force_counts(app: &TestApp, condition: &str) -> (i64, i64) {
    let count = |status: &str| format!("SELECT COUNT(*) FROM users WHERE status = '{status}' AND {condition}");
    (app.count(&count("active")).await, app.count(&count("disabled")).await)
}

async fn page(app: &TestApp, session: &str, args: &[(&str, &str)]) -> Value {
    let response = app.call("users/list", args, Some(session)).await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    json(&response.body)
}

/// Every page of a list; returns the ids in order and checks each page's size.
async fn all_ids(app: &TestApp, session: &str, tab: &str, q: &str, sort: &str) -> Vec<i64> {
    let mut ids = Vec::new();
    let mut n = 1;
    loop {
        let number = n.to_string();
        let body = page(
            app,
            session,
            &[("tab", tab), ("q", q), ("sort", sort), ("page", &number)],
        )
        .await;
        let rows = body["rows"].as_array().unwrap();
        ids.extend(rows.iter().map(|r| r["id"].as_i64().unwrap()));
        let pages = body["pages"].as_i64().unwrap();
        assert!(rows.len() <= 25);
        if n >= pages {
            assert_eq!(
                ids.len() as i64,
                body["total"].as_i64().unwrap(),
                "total matches what was listed"
            );
            return ids;
        }
        assert_eq!(rows.len(), 25, "only the last page is short");
        n += 1;
    }
}

/// Every page of a list by following the Next links' cursors (page 1, then `after`), then back
/// by the Previous links' cursors (`before`); both walks must list the same rows.
async fn ids_by_cursor(app: &TestApp, session: &str, tab: &str, q: &str, sort: &str) -> Vec<i64> {
    let mut pages = Vec::new();
    let last_total;
    let mut body = page(app, session, &[("tab", tab), ("q", q), ("sort", sort)]).await;
    loop {
        let rows = body["rows"].as_array().unwrap();
        pages.push(rows.iter().map(|r| r["id"].as_i64().unwrap()).collect::<Vec<i64>>());
        let number = body["page"].as_i64().unwrap();
        assert_eq!(number, pages.len() as i64);
        if number >= body["pages"].as_i64().unwrap() {
            assert!(body["next_after"].is_null(), "no Next on the last page");
            // Counted to the end here (page 1 of a search counts only up to a thousand).
            assert_eq!(body["more"], false, "the last page's total is exact");
            last_total = body["total"].as_i64().unwrap();
            break;
        }
        assert_eq!(rows.len(), 25, "only the last page is short");
        let after = body["next_after"].as_str().expect("a Next cursor").to_string();
        let next = (number + 1).to_string();
        body = page(
            app,
            session,
            &[
                ("tab", tab),
                ("q", q),
                ("sort", sort),
                ("page", &next),
                ("after", &after),
            ],
        )
        .await;
    }
    // And back to page 1.
    for expected in pages.iter().rev().skip(1) {
        let number = body["page"].as_i64().unwrap();
        let before = body["prev_before"].as_str().expect("a Previous cursor").to_string();
        let previous = (number - 1).to_string();
        body = page(
            app,
            session,
            &[
                ("tab", tab),
                ("q", q),
                ("sort", sort),
                ("page", &previous),
                ("before", &before),
            ],
        )
        .await;
        let ids: Vec<i64> = body["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect();
        assert_eq!(&ids, expected, "Previous shows the page Next showed ({sort})");
    }
    assert!(body["prev_before"].is_null(), "no Previous on page 1");
    let ids: Vec<i64> = pages.concat();
    assert_eq!(ids.len() as i64, last_total, "total matches what was listed");
    ids
}

async fn paging_visits_every_user_once_in_a_stable_order(app: TestApp) {
    let admin = app.register_admin().await;
    let mut seeded = seed(&app).await;
    let admin_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = 'ada@example.com'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    seeded.push(Seeded {
        id: admin_id,
        first: "Ada".into(),
        last: "Lovelace".into(),
        email: "ada@example.com".into(),
        created_at: 0,
    });
    let by_name = all_ids(&app, &admin, "active", "", "name").await;
    let mut expected: Vec<&Seeded> = seeded.iter().collect();
    // The database's collation decides the order of names with accents; compare as sets first,
    // then check the order where both backends agree: ASCII names.
    let mut listed_sorted = by_name.clone();
    listed_sorted.sort();
    let mut expected_ids: Vec<i64> = expected.iter().map(|u| u.id).collect();
    expected_ids.sort();
    assert_eq!(
        listed_sorted, expected_ids,
        "every active user exactly once, no gaps or duplicates"
    );
    expected.retain(|u| u.last.is_ascii() && !u.last.contains('\''));
    expected.sort_by(|a, b| (&a.last, &a.first, a.id).cmp(&(&b.last, &b.first, b.id)));
    let ascii_order: Vec<i64> = by_name
        .iter()
        .copied()
        .filter(|id| expected.iter().any(|u| u.id == *id))
        .collect();
    assert_eq!(
        ascii_order,
        expected.iter().map(|u| u.id).collect::<Vec<_>>(),
        "sorted by last, first name"
    );

    let by_email = all_ids(&app, &admin, "active", "", "email").await;
    let mut emails: Vec<&Seeded> = seeded.iter().collect();
    emails.sort_by(|a, b| a.email.cmp(&b.email));
    assert_eq!(by_email, emails.iter().map(|u| u.id).collect::<Vec<_>>());

    let by_created = all_ids(&app, &admin, "active", "", "created").await;
    let admin_created: i64 = sqlx::query_scalar("SELECT created_at FROM users WHERE id = $1")
        .bind(admin_id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    seeded.last_mut().unwrap().created_at = admin_created;
    let mut newest: Vec<&Seeded> = seeded.iter().collect();
    newest.sort_by_key(|u| std::cmp::Reverse((u.created_at, u.id)));
    assert_eq!(
        by_created,
        newest.iter().map(|u| u.id).collect::<Vec<_>>(),
        "newest first"
    );

    // Following the Next / Previous cursors lists the same rows in the same order as page
    // numbers do, for every sort.
    assert_eq!(ids_by_cursor(&app, &admin, "active", "", "name").await, by_name);
    assert_eq!(ids_by_cursor(&app, &admin, "active", "", "email").await, by_email);
    assert_eq!(ids_by_cursor(&app, &admin, "active", "", "created").await, by_created);
    // Also within a search (SQLite: both the FTS-driven and the index-walking plans).
    for q in ["smith", "first12", "corp3"] {
        for sort in ["name", "email", "created"] {
            assert_eq!(
                ids_by_cursor(&app, &admin, "active", q, sort).await,
                all_ids(&app, &admin, "active", q, sort).await,
                "search {q:?} sorted by {sort}"
            );
        }
    }

    // A bad cursor, or one made for another sort, is ignored: the page comes by its number.
    let third = page(&app, &admin, &[("tab", "active"), ("page", "3")]).await;
    for after in [
        "garbage",
        "name.zz.zz.1",
        "email.6162.1",
        &third["next_after"].as_str().unwrap().replace("name", "email"),
    ] {
        let body = page(&app, &admin, &[("tab", "active"), ("page", "3"), ("after", after)]).await;
        assert_eq!(body["rows"], third["rows"], "cursor {after:?}");
    }
    // A cursor whose row is gone still seeks to the rows after it.
    let fourth = page(&app, &admin, &[("tab", "active"), ("page", "4")]).await;
    let boundary = third["rows"][24]["id"].as_i64().unwrap();
    app.execute(&format!("DELETE FROM users WHERE id = {boundary}")).await;
    let after = third["next_after"].as_str().unwrap();
    let body = page(&app, &admin, &[("tab", "active"), ("page", "4"), ("after", after)]).await;
    assert_eq!(body["rows"], fourth["rows"], "stale cursor");

    // The same page twice gives the same rows.
    let middle = page(&app, &admin, &[("tab", "active"), ("page", "180")]).await;
    assert_eq!(middle, page(&app, &admin, &[("tab", "active"), ("page", "180")]).await);
    // A page past the end shows the last page.
    let past = page(&app, &admin, &[("tab", "active"), ("page", "99999")]).await;
    assert_eq!(past["page"], past["pages"]);
}

async fn search_finds_exactly_the_substring_matches(app: TestApp) {
    let admin = app.register_admin().await;
    let seeded = seed(&app).await;
    for q in [
        "user12",
        "USER12",
        "smith4",
        "corp3",
        "first999",
        "ül",
        // Non-ASCII, three letters or more: the FTS index folds the case, walking (many
        // matches) and driving (few).
        "MÜLLER",
        "garcÍa4",
        "r9",
        "o'brien1",
        "%",
        "nothing-like-this",
    ] {
        let needle = q.to_lowercase();
        let mut expected: Vec<i64> = seeded
            .iter()
            .filter(|u| {
                [&u.first, &u.last, &u.email]
                    .iter()
                    .any(|f| f.to_lowercase().contains(&needle))
            })
            .map(|u| u.id)
            .collect();
        expected.sort();
        let mut found = all_ids(&app, &admin, "active", q, "name").await;
        found.sort();
        assert_eq!(found.len(), expected.len(), "search {q:?}");
        assert_eq!(found, expected, "search {q:?}");
    }
    let too_long = "x".repeat(101);
    let response = app.call("users/list", &[("q", &too_long)], Some(&admin)).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn tabs_count_and_list_active_and_disabled_users(app: TestApp) {
    let admin = app.register_admin().await;
    app.execute(
        "INSERT INTO users (email, first_name, last_name, password_hash, role, status, created_at, updated_at) \
         VALUES ('gone@example.com', 'Gone', 'Away', 'x', 'analyst', 'disabled', 1, 1)",
    )
    .await;
    app.call(
        "invites/create",
        &[("email", "new@example.com"), ("role", "analyst"), ("lifetime", "24h")],
        Some(&admin),
    )
    .await;
    let active = page(&app, &admin, &[("tab", "active")]).await;
    assert_eq!(
        active["counts"],
        serde_json::json!({ "active": 1, "disabled": 1, "pending": 1, "active_more": false })
    );
    let row = &active["rows"][0];
    assert_eq!(row["email"], "ada@example.com");
    assert_eq!(row["role"], "GlobalAdministrator");
    assert_eq!(row["two_factor"], false);
    assert!(row["last_login_at"].is_null(), "registration is not a sign-in");
    let disabled = page(&app, &admin, &[("tab", "disabled")]).await;
    assert_eq!(disabled["rows"][0]["email"], "gone@example.com");
    assert_eq!(disabled["rows"][0]["disabled"], true);
    let searched = page(&app, &admin, &[("tab", "active"), ("q", "gone")]).await;
    assert_eq!(searched["counts"]["active"], 0);
    assert_eq!(searched["counts"]["disabled"], 1, "counts follow the search");
}

async fn only_roles_that_view_users_see_the_list(app: TestApp) {
    let admin = app.register_admin().await;
    for (email, role, allowed) in [
        ("adm@example.com", "admin", true),
        ("ro@example.com", "read_only", true),
        ("an@example.com", "analyst", false),
        ("dev@example.com", "api_developer", false),
    ] {
        let session = app.user_with_role(&admin, email, role).await;
        let response = app.call("users/list", &[], Some(&session)).await;
        let expected = if allowed { StatusCode::OK } else { StatusCode::FORBIDDEN };
        assert_eq!(response.status, expected, "{role}");
    }
    assert_eq!(app.call("users/list", &[], None).await.status, StatusCode::UNAUTHORIZED);
}

/// `user_counts` (the tab counts without a search) and SQLite's index of disabled users (the
/// tab counts with a search) follow every insert, delete, disable, enable and rename.
async fn tab_counts_stay_exact_through_inserts_deletes_and_status_changes(app: TestApp) {
    let admin = app.register_admin().await;
    seed(&app).await;
    let check = |label: &'static str| {
        let app = &app;
        let admin = &admin;
        async move {
            let stored = app.count("SELECT n FROM user_counts WHERE status = 'active'").await;
            let active = app.count("SELECT COUNT(*) FROM users WHERE status = 'active'").await;
            let disabled = app.count("SELECT COUNT(*) FROM users WHERE status = 'disabled'").await;
            assert_eq!(stored, active, "{label}: stored active count");
            let body = page(app, admin, &[("tab", "active")]).await;
            assert_eq!(body["counts"]["active"], active, "{label}");
            assert_eq!(body["counts"]["disabled"], disabled, "{label}");
            assert_eq!(body["total"], active, "{label}");
            // With a search, counts against a brute-force filter.
            for q in ["smith1", "corp2", "zz-renamed"] {
                let like = format!("lower(first_name || ' ' || last_name || ' ' || email) LIKE '%{q}%'");
                let (active, disabled) = brute_force_counts(app, &like).await;
                let body = page(app, admin, &[("tab", "disabled"), ("q", q)]).await;
                // Active matches are counted up to a thousand ("corp2": about 1,290).
                assert_eq!(body["counts"]["active"], active.min(1000), "{label}: search {q}");
                assert_eq!(body["counts"]["active_more"], active > 1000, "{label}: search {q}");
                assert_eq!(body["counts"]["disabled"], disabled, "{label}: search {q}");
                assert_eq!(body["total"], disabled, "{label}: search {q}");
            }
        }
    };
    check("seeded").await;

    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM users WHERE email LIKE 'user1_@corp%' ORDER BY id")
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap();
    let call = |endpoint: &'static str, id: i64| {
        let app = &app;
        let admin = &admin;
        async move {
            let id = id.to_string();
            let response = app.call(endpoint, &[("user_id", &id)], Some(admin)).await;
            assert!(response.status.is_success(), "{endpoint}: {response:?}");
        }
    };
    // ids[9] and ids[19]... are disabled by the seed (every tenth); the rest are active.
    call("users/disable", ids[0]).await;
    call("users/disable", ids[1]).await;
    check("after disabling two").await;
    call("users/enable", ids[0]).await;
    check("after enabling one").await;
    let response = app
        .call(
            "users/update_name",
            &[
                ("user_id", &ids[1].to_string()),
                ("first_name", "Zz-Renamed"),
                ("last_name", "Person"),
            ],
            Some(&admin),
        )
        .await;
    assert!(response.status.is_success(), "{response:?}");
    check("after renaming a disabled user").await;
    call("users/delete", ids[1]).await;
    call("users/delete", ids[2]).await;
    check("after deleting a disabled and an active user").await;
    let response = app
        .call(
            "users/bulk",
            &[
                ("action", "disable"),
                ("user_ids", &format!("{},{},{}", ids[3], ids[4], ids[5])),
            ],
            Some(&admin),
        )
        .await;
    assert!(response.status.is_success(), "{response:?}");
    check("after a bulk disable").await;
    app.execute(
        "INSERT INTO users (email, first_name, last_name, password_hash, role, status, created_at, updated_at) \
         VALUES ('zz-renamed@example.com', 'New', 'Comer', 'x', 'analyst', 'disabled', 1, 1)",
    )
    .await;
    app.execute("UPDATE users SET status = 'active' WHERE email = 'zz-renamed@example.com'")
        .await;
    check("after an insert and a direct status change").await;
}

/// A search counts its active matches up to a thousand, or up to the page asked for when that
/// is further; the page says "1000+" then, and the list still reaches every match.
async fn a_search_counts_active_matches_up_to_a_thousand_or_the_page_asked_for(app: TestApp) {
    let admin = app.register_admin().await;
    seed(&app).await;
    let (active, disabled) = brute_force_counts(&app, "email LIKE '%@corp2.%'").await;
    assert!(
        active > 1_100 && disabled > 0,
        "the seed has {active} / {disabled} matches"
    );

    let first = page(&app, &admin, &[("tab", "active"), ("q", "corp2")]).await;
    assert_eq!(first["counts"]["active"], 1000);
    assert_eq!(first["counts"]["active_more"], true);
    assert_eq!(
        first["counts"]["disabled"], disabled,
        "disabled matches are counted exactly"
    );
    assert_eq!(
        (first["total"].as_i64(), first["more"].as_bool()),
        (Some(1000), Some(true))
    );
    assert_eq!(first["pages"], 41, "at least 41 pages");
    // Too short for the trigram index ("p2" is in the same emails and nowhere else): counted
    // with LIKE on SQLite, the same way.
    let short = page(&app, &admin, &[("tab", "active"), ("q", "p2")]).await;
    assert_eq!(short["counts"], first["counts"]);
    assert_eq!(
        (short["total"].as_i64(), short["more"].as_bool()),
        (Some(1000), Some(true))
    );
    // What the admin sees.
    let html = app.get("/settings/users?tab=active&q=corp2", Some(&admin)).await;
    assert_eq!(html.status, StatusCode::OK);
    assert!(html.body.contains("Active (1000+)"), "{}", html.body);
    assert!(html.body.contains(&format!("Disabled ({disabled})")));
    assert!(html.body.contains("Page 1 of 41+ · 1000+ users"));
    // The disabled tab of the same search is exact.
    let other_tab = page(&app, &admin, &[("tab", "disabled"), ("q", "corp2")]).await;
    assert_eq!(
        (other_tab["total"].as_i64(), other_tab["more"].as_bool()),
        (Some(disabled), Some(false))
    );

    // Page 41 counts further: to its own end, 1,025.
    let page_41 = page(&app, &admin, &[("tab", "active"), ("q", "corp2"), ("page", "41")]).await;
    assert_eq!(
        (page_41["page"].as_i64(), page_41["total"].as_i64()),
        (Some(41), Some(1025))
    );
    assert_eq!(page_41["more"], true);
    assert_eq!(page_41["rows"].as_array().unwrap().len(), 25);
    // The last page knows the exact total; a page past it shows the last one.
    let last = (active + 24) / 25;
    let past = (last + 3).to_string();
    let end = page(&app, &admin, &[("tab", "active"), ("q", "corp2"), ("page", &past)]).await;
    assert_eq!(end["page"], last);
    assert_eq!(
        (end["total"].as_i64(), end["more"].as_bool()),
        (Some(active), Some(false))
    );
    assert_eq!(end["pages"], last);
    // Walking every page by number and by Next / Previous lists each match once.
    for ids in [
        all_ids(&app, &admin, "active", "corp2", "name").await,
        ids_by_cursor(&app, &admin, "active", "corp2", "email").await,
    ] {
        let mut unique = ids.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!((ids.len() as i64, unique.len() as i64), (active, active));
    }
    // Once a page has counted to the end, the exact count is remembered (for this list version).
    let html = app
        .get(&format!("/settings/users?tab=active&q=corp2&page={last}"), Some(&admin))
        .await;
    assert!(html.body.contains(&format!("Page {last} of {last} · {active} users")));
    assert!(html.body.contains(&format!("Active ({active})")));
}

/// Far jumps by page number seek from the server's page index (users/page_index.rs) instead of
/// walking; after every kind of change that moves users, a far page must still hold exactly
/// the rows the database's own OFFSET gives.
async fn far_page_jumps_follow_every_change_to_the_list(app: TestApp) {
    let admin = app.register_admin().await;
    seed(&app).await;
    let check = |label: &'static str| {
        let app = &app;
        let admin = &admin;
        async move {
            for (sort, order) in [
                ("name", "last_name, first_name, id"),
                ("email", "email, id"),
                ("created", "created_at DESC, id DESC"),
            ] {
                for (tab, number) in [("active", 201), ("active", 360), ("disabled", 39)] {
                    let offset = (number - 1) * 25;
                    let expected: Vec<i64> = sqlx::query_scalar(&format!(
                        "SELECT id FROM users WHERE status = '{tab}' ORDER BY {order} LIMIT 25 OFFSET {offset}"
                    ))
                    .fetch_all(&app.state.db.pool)
                    .await
                    .unwrap();
                    let number = number.to_string();
                    let body = page(app, admin, &[("tab", tab), ("sort", sort), ("page", &number)]).await;
                    let listed: Vec<i64> = body["rows"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|r| r["id"].as_i64().unwrap())
                        .collect();
                    assert_eq!(listed, expected, "{label}: {tab} page {number} by {sort}");
                }
            }
        }
    };
    check("seeded").await;
    let early: Vec<i64> = sqlx::query_scalar("SELECT id FROM users WHERE status = 'active' ORDER BY id LIMIT 4")
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap();
    app.execute("UPDATE users SET last_name = 'Aaaa' WHERE id = (SELECT MAX(id) FROM users)")
        .await;
    check("after a rename to the front").await;
    app.execute(&format!(
        "UPDATE users SET email = 'zzzz@example.com' WHERE id = {}",
        early[0]
    ))
    .await;
    check("after a new email").await;
    app.execute(
        "INSERT INTO users (email, first_name, last_name, password_hash, role, status, created_at, updated_at) \
         VALUES ('aaaa@example.com', 'Aaaa', 'Aaaa', 'x', 'analyst', 'active', 1800000000, 1)",
    )
    .await;
    check("after an insert").await;
    app.execute(&format!("DELETE FROM users WHERE id = {}", early[1])).await;
    check("after a delete").await;
    app.execute(&format!("UPDATE users SET status = 'disabled' WHERE id = {}", early[2]))
        .await;
    check("after a disable").await;
    app.execute(&format!("UPDATE users SET status = 'active' WHERE id = {}", early[2]))
        .await;
    check("after an enable").await;
}

/// A search's results in name order, by page number and by cursor, are the database's own
/// name order of the matching users, through inserts that crowd one spot of the order (many
/// users of one name, names added in reverse, names that land between the last two added:
/// on SQLite these use up the room between index ranks and force a renumbering), renames,
/// new emails, deletes and status changes.
async fn search_results_keep_name_order_through_every_change(app: TestApp) {
    let admin = app.register_admin().await;
    let check = |label: String| {
        let app = &app;
        let admin = &admin;
        async move {
            for tab in ["active", "disabled"] {
                let expected: Vec<i64> = sqlx::query_scalar(&format!(
                    "SELECT id FROM users WHERE status = '{tab}' AND email LIKE '%kestrel%' \
                     ORDER BY last_name, first_name, id"
                ))
                .fetch_all(&app.state.db.pool)
                .await
                .unwrap();
                let by_number = all_ids(app, admin, tab, "kestrel", "name").await;
                assert_eq!(by_number, expected, "{label}: {tab} tab by page number");
                let by_cursor = ids_by_cursor(app, admin, tab, "kestrel", "name").await;
                assert_eq!(by_cursor, expected, "{label}: {tab} tab by Next and Previous");
            }
        }
    };
    let mut n = 0;
    let mut add = |first: String, last: &str| {
        n += 1;
        let status = if n % 7 == 0 { "disabled" } else { "active" };
        format!(
            "INSERT INTO users (email, first_name, last_name, password_hash, role, status, created_at, updated_at) \
             VALUES ('kestrel{n}@example.com', '{first}', '{last}', 'x', 'analyst', '{status}', {n}, {n})"
        )
    };
    let mut inserts = Vec::new();
    for _ in 0..80 {
        inserts.push(add("Sam".into(), "Same"));
    }
    for i in (0..80).rev() {
        inserts.push(add(format!("Rev{i:03}"), "Backwards"));
    }
    // Each name between the last two added.
    let (mut low, mut high) = (0u64, 1u64 << 40);
    for i in 0..160 {
        let middle = (low + high) / 2;
        inserts.push(add(format!("Zig{middle:013}"), "Zigzag"));
        if i % 2 == 0 {
            high = middle;
        } else {
            low = middle;
        }
    }
    for sql in &inserts {
        app.execute(sql).await;
    }
    check("inserted".into()).await;

    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM users WHERE email LIKE '%kestrel%' ORDER BY id")
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap();
    for (i, id) in ids.iter().enumerate().step_by(9) {
        let (first, last) = match i % 4 {
            0 => ("Aaron", "Aaa"),
            1 => ("Zed", "Zzz"),
            2 => ("Sam", "Same"),
            _ => ("Rev040", "Backwards"),
        };
        app.execute(&format!(
            "UPDATE users SET first_name = '{first}', last_name = '{last}' WHERE id = {id}"
        ))
        .await;
    }
    check("renamed".into()).await;
    for id in ids.iter().skip(3).step_by(11) {
        app.execute(&format!(
            "UPDATE users SET email = 'kestrel-new{id}@example.com' WHERE id = {id}"
        ))
        .await;
    }
    for id in ids.iter().skip(5).step_by(13) {
        app.execute(&format!("DELETE FROM users WHERE id = {id}")).await;
    }
    app.execute("UPDATE users SET status = 'disabled' WHERE email LIKE 'kestrel1%' AND status = 'active'")
        .await;
    check("new emails, deletes and disables".into()).await;
}

/// SQLite: users added one statement at a time leave the trigram indexes in many segments;
/// the upkeep worker merges them once the list is quiet (afterwards there is nothing left to
/// merge), and every search finds the same users in the same order as before. PostgreSQL
/// needs no such worker and gets none.
async fn the_search_index_worker_merges_the_index_and_searches_stay_the_same(app: TestApp) {
    let admin = app.register_admin().await;
    for n in 0..300 {
        let status = if n % 5 == 0 { "disabled" } else { "active" };
        app.execute(&format!(
            "INSERT INTO users (email, first_name, last_name, password_hash, role, status, created_at, updated_at) \
             VALUES ('merge{n}@corp{}.example.com', 'First{n}', 'Last{}', 'x', 'analyst', '{status}', {n}, {n})",
            n % 3,
            n % 17
        ))
        .await;
    }
    let searches = [
        ("active", "corp1"),
        ("active", "last1"),
        ("disabled", "first2"),
        ("active", "rst29"),
    ];
    let mut before = Vec::new();
    for (tab, q) in searches {
        before.push(all_ids(&app, &admin, tab, q, "name").await);
    }
    let worker = server::workers::search_index::spawn(app.state.clone(), Duration::from_millis(20));
    if app.state.db.backend == Backend::Postgres {
        assert!(worker.is_none(), "PostgreSQL gets no search-index worker");
        return;
    }
    assert!(worker.is_some());
    // Two polls of an unchanged list, then the merge: well within two seconds.
    tokio::time::sleep(Duration::from_secs(2)).await;
    drop(worker);
    let mut conn = app.state.db.pool.acquire().await.unwrap();
    for index in INDEXES {
        assert!(
            !merge_step(&mut conn, index, 1).await.unwrap(),
            "{index} is one segment already"
        );
    }
    drop(conn);
    for ((tab, q), expected) in searches.into_iter().zip(before) {
        assert!(!expected.is_empty(), "{q:?} finds someone");
        assert_eq!(all_ids(&app, &admin, tab, q, "name").await, expected, "search {q:?}");
    }
    // A new user makes a new segment, which the next merge folds in.
    app.execute(
        "INSERT INTO users (email, first_name, last_name, password_hash, role, status, created_at, updated_at) \
         VALUES ('merge-late@corp1.example.com', 'Late', 'Comer', 'x', 'analyst', 'active', 1, 1)",
    )
    .await;
    let mut conn = app.state.db.pool.acquire().await.unwrap();
    assert!(
        merge_step(&mut conn, "users_search", 1).await.unwrap(),
        "the new segment is merged"
    );
}
