//! Every server function must have a rule here; a new one without a rule fails this test.
//! Public functions are callable anonymously; all others must refuse anonymous callers.

mod common;

use axum::http::StatusCode;
use common::TestApp;

/// Rules, by endpoint. Issue-by-issue, protected functions are added with the roles allowed.
const RULES: &[(&str, Rule)] = &[
    ("/api/auth/viewer", Rule::Public),
    ("/api/auth/setup", Rule::Public),
    ("/api/auth/login", Rule::Public),
    ("/api/auth/logout", Rule::Public),
    ("/api/invites/open", Rule::Public),
    ("/api/invites/signup", Rule::Public),
    ("/api/invites/create", Rule::SignedIn),
    ("/api/invites/pending", Rule::SignedIn),
    ("/api/invites/fresh_link", Rule::SignedIn),
    ("/api/invites/resend", Rule::SignedIn),
    ("/api/mail/settings", Rule::SignedIn),
    ("/api/mail/save", Rule::SignedIn),
    ("/api/mail/test", Rule::SignedIn),
    ("/api/users/list", Rule::SignedIn),
    ("/api/invites/revoke", Rule::SignedIn),
];

#[derive(Clone, Copy, Debug, PartialEq)]
enum Rule {
    /// Anyone may call it; it decides for itself what to reveal.
    Public,
    /// Needs a session (role rules are tested per area, e.g. tests/invites.rs).
    SignedIn,
}

/// Plausible values for every argument any server function takes (extra fields are ignored),
/// so calls reach the function's own checks instead of failing to parse.
const SAMPLE_ARGS: &[(&str, &str)] = &[
    ("email", "someone@example.com"),
    ("role", "analyst"),
    ("lifetime", "24h"),
    ("invite_id", "1"),
    ("token", "x"),
    ("first_name", "Sam"),
    ("last_name", "Sample"),
    ("password", "a perfectly fine password"),
    ("password_confirm", "a perfectly fine password"),
    ("kind", "smtp"),
];

fn rule_for(path: &str) -> Option<Rule> {
    RULES.iter().find(|(p, _)| *p == path).map(|(_, rule)| *rule)
}

on_both_backends!(every_server_function_has_a_rule_and_public_ones_answer_anonymously);

async fn every_server_function_has_a_rule_and_public_ones_answer_anonymously(app: TestApp) {
    app.register_admin().await;
    let registered: Vec<String> = server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_string())
        .collect();
    assert!(!registered.is_empty(), "server functions are registered");
    let missing: Vec<&String> = registered.iter().filter(|p| rule_for(p).is_none()).collect();
    assert!(
        missing.is_empty(),
        "server functions without a permission rule: {missing:?}"
    );
    for (path, _) in RULES {
        assert!(registered.iter().any(|p| p == path), "rule for unknown function {path}");
    }
    for path in &registered {
        let endpoint = path.trim_start_matches("/api/");
        let response = app.call(endpoint, SAMPLE_ARGS, None).await;
        match rule_for(path).unwrap() {
            Rule::Public => assert_ne!(response.status, StatusCode::UNAUTHORIZED, "{path} is public"),
            Rule::SignedIn => assert_eq!(
                response.status,
                StatusCode::UNAUTHORIZED,
                "{path} refuses anonymous callers"
            ),
        }
    }
}
