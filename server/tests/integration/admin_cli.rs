//! `roster admin …` run as the real binary against the database of a running app (the test's
//! router stays up on it throughout), on SQLite and PostgreSQL.

use crate::common::{TestApp, ADMIN_EMAIL, ADMIN_PASSWORD, INVITEE_PASSWORD};
use axum::http::StatusCode;
use std::process::Stdio;

on_both_backends!(
    reset_password_from_stdin_lets_the_user_sign_in_with_it,
    a_printed_link_sets_the_password_once,
    create_admin_only_when_no_active_global_administrator_exists,
);

const NEW_PASSWORD: &str = "typed at the server's shell";

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `roster <args>` on the app's database, with `stdin` as its standard input and the
/// app's instance key (as the operator of a running server would: it must be the same key).
async fn roster(app: &TestApp, args: &[&str], stdin: &str) -> Run {
    use tokio::io::AsyncWriteExt;
    let data_dir = std::env::temp_dir().join(format!("roster_cli_data_{}", rand::random::<u32>()));
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_roster"));
    for var in [
        "ROSTER_PUBLIC_URL",
        "ROSTER_SECRET_KEY",
        "ROSTER_LOG",
        "LEPTOS_SITE_ADDR",
    ] {
        command.env_remove(var);
    }
    let mut child = command
        .env("DATABASE_URL", &app.database_url)
        .env("ROSTER_DATA_DIR", &data_dir)
        .env("ROSTER_SECRET_KEY", hex::encode(app.state.config.key()))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start roster");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).await.unwrap();
    drop(input);
    let output = child.wait_with_output().await.unwrap();
    let _ = std::fs::remove_dir_all(&data_dir);
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

async fn command_line_entries(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM activity_log WHERE actor_name = 'command line' AND actor_id IS NULL")
        .await
}

fn signs_in(response: &crate::common::TestResponse) -> bool {
    response.session_cookie().is_some()
}

async fn reset_password_from_stdin_lets_the_user_sign_in_with_it(app: TestApp) {
    let admin = app.register_admin().await;
    let bob = app.user_with_role(&admin, "bob@example.com", "analyst").await;
    for _ in 0..11 {
        app.login("bob@example.com", "a wrong guess of a password").await;
    }
    let stdin = format!("{NEW_PASSWORD}\n");
    let args = [
        "admin",
        "reset-password",
        "--email",
        "Bob@Example.com",
        "--password-stdin",
        "--unlock",
    ];
    let run = roster(&app, &args, &stdin).await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stdout.contains("The password of bob@example.com was changed."),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Sessions ended: 1."), "{}", run.stdout);
    assert!(!run.stdout.contains(NEW_PASSWORD) && !run.stderr.contains(NEW_PASSWORD));
    let me = app.call("auth/viewer", &[], Some(&bob)).await;
    assert!(!me.body.contains("SignedIn"), "the old session ended: {}", me.body);
    assert!(
        signs_in(&app.login("bob@example.com", NEW_PASSWORD).await),
        "unlocked, new password"
    );
    assert!(!signs_in(&app.login("bob@example.com", INVITEE_PASSWORD).await));
    assert_eq!(command_line_entries(&app).await, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE recipient = 'bob@example.com' AND subject = 'Your Roster password was changed'")
            .await,
        1
    );

    // With 2FA off too: the admin then signs in with the password alone.
    let (_secret, _codes) = crate::password_reset::enrol(&app, &admin, ADMIN_PASSWORD).await;
    assert!(
        !signs_in(&app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await),
        "2FA asks for a code"
    );
    let args = [
        "admin",
        "reset-password",
        "--email",
        ADMIN_EMAIL,
        "--password-stdin",
        "--disable-2fa",
    ];
    let run = roster(&app, &args, &stdin).await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stdout.contains("Two-factor authentication is off."),
        "{}",
        run.stdout
    );
    assert!(signs_in(&app.login(ADMIN_EMAIL, NEW_PASSWORD).await));
    assert_eq!(command_line_entries(&app).await, 3, "the reset and the 2FA change");

    // Refusals change nothing.
    let run = roster(
        &app,
        &[
            "admin",
            "reset-password",
            "--email",
            "nobody@example.com",
            "--password-stdin",
        ],
        &stdin,
    )
    .await;
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr.contains("No user with email nobody@example.com."),
        "{}",
        run.stderr
    );
    let run = roster(
        &app,
        &[
            "admin",
            "reset-password",
            "--email",
            "bob@example.com",
            "--password-stdin",
        ],
        "short\n",
    )
    .await;
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("at least 12"), "{}", run.stderr);
    let run = roster(
        &app,
        &[
            "admin",
            "reset-password",
            "--email",
            "bob@example.com",
            "--password",
            NEW_PASSWORD,
        ],
        "",
    )
    .await;
    assert_eq!(run.code, Some(2), "never a password as an argument: {}", run.stderr);
    let run = roster(
        &app,
        &["admin", "reset-password", "--email", "not an email", "--password-stdin"],
        &stdin,
    )
    .await;
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(signs_in(&app.login("bob@example.com", NEW_PASSWORD).await));
    assert_eq!(command_line_entries(&app).await, 3);
}

async fn a_printed_link_sets_the_password_once(app: TestApp) {
    let admin = app.register_admin().await;
    app.user_with_role(&admin, "bob@example.com", "analyst").await;
    let run = roster(
        &app,
        &["admin", "reset-password", "--email", "bob@example.com", "--link"],
        "",
    )
    .await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let link = run.stdout.lines().next().unwrap_or_default().to_string();
    assert!(link.starts_with("http://roster.test/reset-password/"), "{}", run.stdout);
    assert!(run.stdout.contains("Sessions ended: 1."), "{}", run.stdout);
    assert_eq!(command_line_entries(&app).await, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE subject = 'Reset your Roster password'")
            .await,
        0,
        "a printed link is not emailed"
    );
    let token = link.rsplit('/').next().unwrap();
    let form = [
        ("token", token),
        ("password", NEW_PASSWORD),
        ("password_confirm", NEW_PASSWORD),
    ];
    let response = app.call("recovery/reset", &form, None).await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    assert!(signs_in(&app.login("bob@example.com", NEW_PASSWORD).await));
    let again = app.call("recovery/reset", &form, None).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{again:?}");
}

async fn create_admin_only_when_no_active_global_administrator_exists(app: TestApp) {
    let stdin = format!("{NEW_PASSWORD}\n");
    // A database nobody set up: the command makes the first account, and /setup closes.
    let run = roster(
        &app,
        &[
            "admin",
            "create-admin",
            "--email",
            "root@example.com",
            "--password-stdin",
        ],
        &stdin,
    )
    .await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stdout.contains("Root Administrator <root@example.com>"),
        "{}",
        run.stdout
    );
    assert!(signs_in(&app.login("root@example.com", NEW_PASSWORD).await));
    assert_eq!(app.count("SELECT COUNT(*) FROM instance_setup").await, 1);
    let setup = app.call("auth/setup", &crate::common::admin_form(), None).await;
    assert_eq!(setup.status, StatusCode::CONFLICT, "{setup:?}");
    assert_eq!(command_line_entries(&app).await, 1);

    let args = [
        "admin",
        "create-admin",
        "--email",
        "second@example.com",
        "--first-name",
        "Grace",
        "--last-name",
        "Hopper",
        "--password-stdin",
    ];
    let run = roster(&app, &args, &stdin).await;
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr.contains("An active Global Administrator already exists"),
        "{}",
        run.stderr
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1, "nothing created");

    // Once the only Global Administrator is disabled, another can be made.
    app.execute("UPDATE users SET status = 'disabled' WHERE email = 'root@example.com'")
        .await;
    let run = roster(&app, &args, &stdin).await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stdout.contains("Grace Hopper <second@example.com>"),
        "{}",
        run.stdout
    );
    assert!(signs_in(&app.login("second@example.com", NEW_PASSWORD).await));
    let role: String = sqlx::query_scalar("SELECT role FROM users WHERE email = 'second@example.com'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(role, "global_admin");
    assert_eq!(command_line_entries(&app).await, 2);
    let run = roster(
        &app,
        &[
            "admin",
            "create-admin",
            "--email",
            "root@example.com",
            "--password-stdin",
        ],
        &stdin,
    )
    .await;
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("already exists"), "{}", run.stderr);
}
