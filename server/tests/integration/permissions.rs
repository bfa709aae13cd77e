//! The permission matrix, enforced through the real router: every registered server function
//! has a rule here (a new one without a rule fails this test), and each is called anonymously,
//! as each role, as each role granted only through a group, and as a disabled user.

use crate::common::TestApp;
use app::domain::{Permission, Role};
use axum::http::StatusCode;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Rule {
    /// Anyone may call it; it decides for itself what to reveal.
    Public,
    /// Any signed-in user with access (their own profile).
    SignedIn,
    /// Needs a session whose effective permissions include this one.
    Needs(Permission),
}

use Permission::*;
use Rule::*;

/// The matrix in the README, by server function.
const RULES: &[(&str, Rule)] = &[
    ("/api/auth/viewer", Public),
    ("/api/auth/setup", Public),
    ("/api/auth/login", Public),
    ("/api/auth/logout", Public),
    ("/api/auth/second-step-pending", Public),
    ("/api/auth/second-step", Public),
    ("/api/auth/timed-out", Public),
    ("/api/auth/timeouts", Public),
    ("/api/auth/stay-signed-in", SignedIn),
    ("/api/recovery/forgot", Public),
    ("/api/recovery/open", Public),
    ("/api/recovery/reset", Public),
    ("/api/two-factor/status", SignedIn),
    ("/api/two-factor/start", SignedIn),
    ("/api/two-factor/enable", SignedIn),
    ("/api/two-factor/regenerate", SignedIn),
    ("/api/two-factor/disable", SignedIn),
    ("/api/two-factor/policy", Needs(ManageSettings)),
    ("/api/two-factor/save-policy", Needs(ManageSettings)),
    ("/api/auth/password", SignedIn),
    ("/api/auth/profile", SignedIn),
    ("/api/invites/open", Public),
    ("/api/invites/signup", Public),
    ("/api/invites/create", Needs(ManageUsers)),
    ("/api/invites/pending", Needs(ViewUsers)),
    ("/api/invites/fresh_link", Needs(ManageUsers)),
    ("/api/invites/resend", Needs(ManageUsers)),
    ("/api/invites/revoke", Needs(ManageUsers)),
    ("/api/invites/csv-preview", Needs(ManageUsers)),
    ("/api/invites/csv-send", Needs(ManageUsers)),
    ("/api/overview/get", SignedIn),
    ("/api/mail/settings", Needs(ManageSettings)),
    ("/api/mail/save", Needs(ManageMailer)),
    ("/api/mail/test", Needs(ManageSettings)),
    ("/api/users/list", Needs(ViewUsers)),
    ("/api/users/update_name", Needs(ManageUsers)),
    ("/api/users/change_role", Needs(ManageUsers)),
    ("/api/users/disable", Needs(ManageUsers)),
    ("/api/users/enable", Needs(ManageUsers)),
    ("/api/users/delete", Needs(ManageUsers)),
    ("/api/users/bulk", Needs(ManageUsers)),
    ("/api/users/disable-2fa", Needs(ManageUsers)),
    ("/api/users/unlock", Needs(ManageUsers)),
    ("/api/groups/list", Needs(ViewUsers)),
    ("/api/groups/members", Needs(ViewUsers)),
    ("/api/groups/create", Needs(ManageGroups)),
    ("/api/groups/update", Needs(ManageGroups)),
    ("/api/groups/delete", Needs(ManageGroups)),
    ("/api/groups/add_member", Needs(ManageGroups)),
    ("/api/groups/remove_member", Needs(ManageGroups)),
    ("/api/settings/general", Needs(ManageSettings)),
    ("/api/settings/timeouts", Needs(ManageSettings)),
    ("/api/settings/console-url", Needs(ManageSettings)),
    ("/api/sessions/mine", SignedIn),
    ("/api/sessions/sign-out", SignedIn),
    ("/api/sessions/sign-out-others", SignedIn),
    ("/api/sessions/history", SignedIn),
    ("/api/sessions/of-user", Needs(ManageUsers)),
    ("/api/sessions/end-all", Needs(ManageUsers)),
    ("/api/organisation/name", Needs(ManageSettings)),
    ("/api/organisation/save-name", Needs(ManageSettings)),
    ("/api/integrations/list", Needs(ManageSettings)),
    ("/api/integrations/create", Needs(ManageSettings)),
    ("/api/integrations/delete", Needs(ManageSettings)),
    ("/api/integrations/test", Needs(ManageSettings)),
    ("/api/integrations/rotate-secret", Needs(ManageSettings)),
    ("/api/integrations/resume", Needs(ManageSettings)),
    ("/api/integrations/deliveries", Needs(ManageSettings)),
    ("/api/integrations/redeliver", Needs(ManageSettings)),
    ("/api/triggers/list", Needs(ViewUsers)),
    ("/api/triggers/reactions", Needs(ViewUsers)),
    ("/api/triggers/create", Needs(ViewUsers)),
    ("/api/triggers/delete", Needs(ViewUsers)),
    ("/api/activity/list", Needs(ViewActivity)),
    ("/api/activity/verify", Needs(ViewActivity)),
    ("/api/activity/retention", Needs(ManageSettings)),
    ("/api/activity/save-retention", Needs(ManageSettings)),
];

/// Plain routes (not server functions) that act for a signed-in user, called with GET.
const ROUTES: &[(&str, Rule)] = &[("/api/activity/export", Needs(ViewActivity))];

/// Plausible values for every argument any server function takes (extra fields are ignored),
/// so calls reach the function's own checks instead of failing to parse. Ids name nothing, so
/// an allowed caller gets 404 and changes nothing.
const SAMPLE_ARGS: &[(&str, &str)] = &[
    ("email", "someone@example.com"),
    ("role", "analyst"),
    ("lifetime", "24h"),
    ("invite_id", "999999"),
    ("user_id", "999999"),
    ("session_id", "999999"),
    ("user_ids", "999999"),
    ("group_id", "999999"),
    ("action", "disable"),
    ("name", "Sample group"),
    ("description", "A group from the permission test"),
    ("token", "x"),
    ("first_name", "Sam"),
    ("last_name", "Sample"),
    ("password", "a perfectly fine password"),
    ("password_confirm", "a perfectly fine password"),
    ("current_password", "not the password"),
    ("kind", "smtp"),
    ("code", "123456"),
    ("scope", "off"),
    ("grace_days", "0"),
    ("reason", "idle"),
    // The values in force (the defaults, the harness's URL): an allowed call changes nothing.
    ("idle_timeout_minutes", "30"),
    ("absolute_timeout_hours", "12"),
    ("console_url", "http://roster.test"),
    ("integration_id", "999999"),
    ("delivery_id", "999999"),
    ("trigger_id", "999999"),
    ("retention_days", "400"),
    // A bulk invitation's one row: an allowed send is refused for want of a mailer (409).
    ("csv", "someone-csv@example.com,Sam,Sample,analyst"),
];

fn rule_for(path: &str) -> Option<Rule> {
    RULES.iter().find(|(p, _)| *p == path).map(|(_, rule)| *rule)
}

/// Someone calling: their session (none when anonymous) and what they should be allowed.
struct Caller {
    label: String,
    session: Option<String>,
    /// None: not signed in (anonymous, or disabled), so every protected call is 401.
    permissions: Option<Vec<Permission>>,
}

on_both_backends!(
    every_server_function_has_a_rule,
    every_role_group_grant_and_disabled_user_gets_exactly_its_permissions,
    arguments_that_do_not_parse_are_bad_requests_not_server_errors,
);

fn registered_paths() -> Vec<String> {
    server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_string())
        .collect()
}

async fn every_server_function_has_a_rule(_app: TestApp) {
    let registered = registered_paths();
    assert!(!registered.is_empty(), "server functions are registered");
    let missing: Vec<&String> = registered.iter().filter(|p| rule_for(p).is_none()).collect();
    assert!(
        missing.is_empty(),
        "server functions without a permission rule: {missing:?}"
    );
    for (path, _) in RULES {
        assert!(registered.iter().any(|p| p == path), "rule for unknown function {path}");
    }
}

async fn every_role_group_grant_and_disabled_user_gets_exactly_its_permissions(app: TestApp) {
    let admin = app.register_admin().await;
    let mut callers = vec![
        Caller {
            label: "anonymous".into(),
            session: None,
            permissions: None,
        },
        Caller {
            label: "Global Administrator".into(),
            session: Some(admin.clone()),
            permissions: Some(Role::GlobalAdministrator.permissions().to_vec()),
        },
    ];
    for role in Role::ALL.into_iter().filter(|r| *r != Role::GlobalAdministrator) {
        let email = format!("{}@example.com", role.code());
        callers.push(Caller {
            label: role.label().into(),
            session: Some(app.user_with_role(&admin, &email, role.code()).await),
            permissions: Some(role.permissions().to_vec()),
        });
    }
    // A role granted only through a group: an API Developer (no permissions of their own) in a
    // group with that role has exactly the group role's permissions.
    for role in Role::ALL {
        let email = format!("granted-{}@example.com", role.code());
        let session = app.user_with_role(&admin, &email, "api_developer").await;
        grant_through_group(&app, &email, role).await;
        callers.push(Caller {
            label: format!("API Developer in a {} group", role.label()),
            session: Some(session),
            permissions: Some(role.permissions().to_vec()),
        });
    }
    // A disabled Administrator: the session still exists, but every protected call is refused.
    let disabled = app.user_with_role(&admin, "disabled@example.com", "admin").await;
    app.execute("UPDATE users SET status = 'disabled' WHERE email = 'disabled@example.com'")
        .await;
    callers.push(Caller {
        label: "disabled Administrator".into(),
        session: Some(disabled),
        permissions: None,
    });

    let mut wrong = Vec::new();
    for path in registered_paths() {
        let endpoint = path.trim_start_matches("/api/");
        let rule = rule_for(&path).expect("every function has a rule (checked above)");
        for caller in &callers {
            let needed = match rule {
                Needs(permission) => Some(permission),
                SignedIn => None,
                Public => {
                    // Public functions answer anyone; calling them with a session could sign the
                    // caller out (logout), so they are called anonymously only.
                    if caller.session.is_none() {
                        let status = app.call(endpoint, SAMPLE_ARGS, None).await.status;
                        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
                            wrong.push(format!("{path} is public but refused anonymous ({status})"));
                        }
                    }
                    continue;
                }
            };
            let response = app.call(endpoint, SAMPLE_ARGS, caller.session.as_deref()).await;
            let expected = match &caller.permissions {
                None => "401",
                Some(granted) if needed.is_none_or(|p| granted.contains(&p)) => "allowed",
                Some(_) => "403",
            };
            let ok = match expected {
                "401" => response.status == StatusCode::UNAUTHORIZED,
                "403" => response.status == StatusCode::FORBIDDEN,
                // Allowed: the function ran and answered for itself (never a server error).
                _ => {
                    response.status != StatusCode::UNAUTHORIZED
                        && response.status != StatusCode::FORBIDDEN
                        && !response.status.is_server_error()
                }
            };
            if !ok {
                wrong.push(format!(
                    "{path} as {}: expected {expected}, got {} {}",
                    caller.label, response.status, response.body
                ));
            }
        }
    }
    for (path, rule) in ROUTES {
        let Needs(needed) = rule else { continue };
        for caller in &callers {
            let status = get_route(&app, path, caller.session.as_deref()).await;
            let ok = match &caller.permissions {
                None => status == StatusCode::UNAUTHORIZED,
                Some(granted) if granted.contains(needed) => status.is_success(),
                Some(_) => status == StatusCode::FORBIDDEN,
            };
            if !ok {
                wrong.push(format!("GET {path} as {}: got {status}", caller.label));
            }
        }
    }
    assert!(wrong.is_empty(), "permission matrix violations:\n{}", wrong.join("\n"));
}

async fn get_route(app: &TestApp, path: &str, session: Option<&str>) -> StatusCode {
    let mut builder = axum::http::Request::builder().uri(path).header("host", &app.host);
    if let Some(token) = session {
        builder = builder.header("cookie", format!("{}={token}", app.state.config.session_cookie()));
    }
    app.request(builder.body(axum::body::Body::empty()).unwrap())
        .await
        .status
}

/// Puts the user with this email into a new group with `role`, straight in the database (the
/// groups API has its own tests; here only the effect on permissions matters).
async fn grant_through_group(app: &TestApp, email: &str, role: Role) {
    let name = format!("Grants {}", role.label());
    app.execute(&format!(
        "INSERT INTO groups (name, name_key, description, role, created_at, updated_at) \
         VALUES ('{name}', '{}', '', '{}', 0, 0)",
        name.to_lowercase(),
        role.code()
    ))
    .await;
    app.execute(&format!(
        "INSERT INTO group_members (group_id, user_id, added_at) \
         SELECT g.id, u.id, 0 FROM groups g, users u WHERE g.name = '{name}' AND u.email = '{email}'"
    ))
    .await;
}

async fn arguments_that_do_not_parse_are_bad_requests_not_server_errors(app: TestApp) {
    let admin = app.register_admin().await;
    for (endpoint, args) in [
        ("users/disable", &[("user_id", "bob")][..]),
        ("groups/members", &[][..]),
        ("auth/password", &[("password", "x")][..]),
    ] {
        let response = app.call(endpoint, args, Some(&admin)).await;
        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{endpoint}: {response:?}"
        );
        assert!(response.body.contains("Bad request"), "{endpoint}: {}", response.body);
    }
}
