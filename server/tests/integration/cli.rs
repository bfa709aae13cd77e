//! The `roster` binary itself: configuration errors and `roster migrate`.

use std::process::Command;

fn roster() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_roster"));
    for var in [
        "DATABASE_URL",
        "ROSTER_PUBLIC_URL",
        "ROSTER_SECRET_KEY",
        "ROSTER_LOG",
        "LEPTOS_SITE_ADDR",
        "ROSTER_TRUSTED_PROXIES",
        "ROSTER_DB_MAX_CONNECTIONS",
    ] {
        command.env_remove(var);
    }
    command
}

fn temp_dir(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("roster-cli-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn a_bad_value_stops_start_up_naming_the_variable() {
    let dir = temp_dir("bad");
    for (var, value) in [
        ("LEPTOS_SITE_ADDR", "not-an-address"),
        ("DATABASE_URL", "mysql://localhost/roster"),
        ("ROSTER_PUBLIC_URL", "roster.example.com"),
        ("ROSTER_SECRET_KEY", "too-short"),
        ("ROSTER_LOG", "yaml:info"),
        ("ROSTER_TRUSTED_PROXIES", "10.0.0.0/8,not-a-network"),
        ("ROSTER_DB_MAX_CONNECTIONS", "0"),
    ] {
        let output = roster()
            .env("ROSTER_DATA_DIR", &dir)
            .env(var, value)
            .arg("serve")
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{var}={value}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(var), "{var}: {stderr}");
    }
    assert!(!dir.exists(), "nothing is created when configuration is bad");
}

#[test]
fn migrate_creates_the_sqlite_database_in_the_data_folder() {
    let dir = temp_dir("migrate");
    let output = roster().env("ROSTER_DATA_DIR", &dir).arg("migrate").output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(dir.join("roster.db").exists());
    // Running it again is a no-op.
    let again = roster().env("ROSTER_DATA_DIR", &dir).arg("migrate").output().unwrap();
    assert!(again.status.success());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_server_with_another_secret_key_refuses_to_start_and_says_why() {
    let dir = temp_dir("key");
    let run = |key: Option<&str>| {
        let mut command = roster();
        command.env("ROSTER_DATA_DIR", &dir);
        if let Some(key) = key {
            command.env("ROSTER_SECRET_KEY", key);
        }
        // A command that opens the database and stops: the account does not exist.
        command
            .args(["admin", "reset-password", "--email", "nobody@example.com", "--link"])
            .output()
            .unwrap()
    };
    let first = run(Some(&"ab".repeat(32)));
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(
        !stderr.contains("not the one this database was set up with"),
        "{stderr}"
    );
    // The same key again is fine; another key, or none (a generated one), is refused.
    let same = run(Some(&"ab".repeat(32)));
    assert!(!String::from_utf8_lossy(&same.stderr).contains("not the one this database"));
    for other in [Some("cd".repeat(32)), None] {
        let output = run(other.as_deref());
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("ROSTER_SECRET_KEY") && stderr.contains("not the one this database was set up with"),
            "{stderr}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
