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
];

#[derive(Clone, Copy, Debug, PartialEq)]
enum Rule {
    /// Anyone may call it; it decides for itself what to reveal.
    Public,
}

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
        let response = app.call(endpoint, &[], None).await;
        match rule_for(path).unwrap() {
            Rule::Public => assert_ne!(response.status, StatusCode::UNAUTHORIZED, "{path} is public"),
        }
    }
}
