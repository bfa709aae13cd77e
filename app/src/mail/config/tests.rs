use super::*;

fn smtp_form() -> SettingsForm {
    SettingsForm {
        kind: "smtp".into(),
        sender_address: "Roster@Example.com".into(),
        sender_name: "Roster".into(),
        host: "smtp.example.com".into(),
        port: "587".into(),
        security: "starttls".into(),
        username: "mailer".into(),
        secret: "s3cret".into(),
        ..Default::default()
    }
}

fn fields(errors: Vec<FieldError>) -> Vec<String> {
    errors.into_iter().map(|e| e.field).collect()
}

#[test]
fn a_complete_smtp_form_parses() {
    let config = parse(&smtp_form(), None).unwrap();
    assert_eq!(config.sender.address.as_str(), "roster@example.com");
    assert_eq!(
        config.endpoint(),
        Endpoint::Smtp {
            kind: MailerKind::Smtp,
            host: "smtp.example.com".into(),
            port: 587,
            security: SmtpSecurity::StartTls,
            username: "mailer".into(),
        }
    );
    assert_eq!(config.secret(), "s3cret");
}

#[test]
fn every_bad_field_is_reported_at_once() {
    let form = SettingsForm {
        sender_address: "nope".into(),
        host: "smtp example".into(),
        port: "70000".into(),
        security: "weird".into(),
        secret: String::new(),
        ..smtp_form()
    };
    assert_eq!(
        fields(parse(&form, None).unwrap_err()),
        ["sender_address", "host", "port", "security", "secret"]
    );
}

#[test]
fn unencrypted_smtp_only_to_this_machine() {
    let remote = SettingsForm {
        security: "none".into(),
        ..smtp_form()
    };
    assert_eq!(fields(parse(&remote, None).unwrap_err()), ["security"]);
    for host in ["127.0.0.1", "localhost", "::1"] {
        let local = SettingsForm {
            security: "none".into(),
            host: host.into(),
            username: String::new(),
            secret: String::new(),
            ..smtp_form()
        };
        assert!(parse(&local, None).is_ok(), "{host}");
    }
}

fn stored(form: &SettingsForm, secret: &str) -> StoredSecret {
    StoredSecret {
        endpoint: parse(form, None).unwrap().endpoint(),
        secret: secret.into(),
    }
}

#[test]
fn an_empty_secret_keeps_the_stored_one_only_for_the_same_endpoint() {
    let saved = stored(&smtp_form(), "old");
    let same = SettingsForm {
        secret: String::new(),
        sender_name: "Another name".into(),
        ..smtp_form()
    };
    assert_eq!(parse(&same, Some(&saved)).unwrap().secret(), "old");
    let moved = [
        SettingsForm {
            host: "mail.attacker.example".into(),
            ..same.clone()
        },
        SettingsForm {
            port: "2525".into(),
            ..same.clone()
        },
        SettingsForm {
            security: "tls".into(),
            ..same.clone()
        },
        SettingsForm {
            username: "someone-else".into(),
            ..same.clone()
        },
        SettingsForm {
            kind: "google_smtp".into(),
            ..same.clone()
        },
    ];
    for form in moved {
        let errors = parse(&form, Some(&saved)).unwrap_err();
        assert_eq!(fields(errors.clone()), ["secret"], "{form:?}");
        assert!(errors[0].message.contains("enter the"), "{}", errors[0].message);
    }
    // A relay without sign-in needs no secret, and never gets the saved one.
    let anonymous = SettingsForm {
        username: String::new(),
        ..same
    };
    assert_eq!(parse(&anonymous, Some(&saved)).unwrap().secret(), "");
}

#[test]
fn the_ses_secret_stays_with_its_region_access_key_and_endpoint() {
    let form = SettingsForm {
        kind: "aws_ses".into(),
        sender_address: "roster@example.com".into(),
        aws_region: "eu-west-1".into(),
        aws_access_key: "AKIAIOSFODNN7EXAMPLE".into(),
        secret: "wJalrXUtnFEMI/K7MDENG".into(),
        ..Default::default()
    };
    let saved = stored(&form, "wJalrXUtnFEMI/K7MDENG");
    let same = SettingsForm {
        secret: String::new(),
        ..form
    };
    assert_eq!(parse(&same, Some(&saved)).unwrap().secret(), "wJalrXUtnFEMI/K7MDENG");
    for form in [
        SettingsForm {
            aws_region: "us-east-1".into(),
            ..same.clone()
        },
        SettingsForm {
            aws_access_key: "AKIAOTHERKEY00000000".into(),
            ..same.clone()
        },
        SettingsForm {
            endpoint_url: "http://127.0.0.1:9".into(),
            ..same.clone()
        },
    ] {
        assert_eq!(fields(parse(&form, Some(&saved)).unwrap_err()), ["secret"], "{form:?}");
    }
}

#[test]
fn secrets_are_not_printed() {
    let form = smtp_form();
    let config = parse(&form, None).unwrap();
    let saved = stored(&form, "s3cret");
    for printed in [format!("{form:?}"), format!("{config:?}"), format!("{saved:?}")] {
        assert!(!printed.contains("s3cret"), "{printed}");
    }
}

#[test]
fn google_uses_the_sender_as_user_and_strips_app_password_spaces() {
    let form = SettingsForm {
        kind: "google_smtp".into(),
        host: "smtp.gmail.com".into(),
        port: "465".into(),
        security: "tls".into(),
        username: "ignored".into(),
        secret: "abcd efgh ijkl mnop".into(),
        ..smtp_form()
    };
    let Transport::Smtp(smtp) = parse(&form, None).unwrap().transport else {
        panic!("smtp")
    };
    assert_eq!(smtp.username, "roster@example.com");
    assert_eq!(smtp.password.expose_secret(), "abcdefghijklmnop");
    let no_password = SettingsForm {
        secret: " ".into(),
        ..form
    };
    assert_eq!(fields(parse(&no_password, None).unwrap_err()), ["secret"]);
}

#[test]
fn ses_checks_region_key_secret_and_endpoint() {
    let good = SettingsForm {
        kind: "aws_ses".into(),
        sender_address: "roster@example.com".into(),
        aws_region: "eu-west-1".into(),
        aws_access_key: "AKIAIOSFODNN7EXAMPLE".into(),
        secret: "wJalrXUtnFEMI/K7MDENG".into(),
        endpoint_url: "http://127.0.0.1:5005/".into(),
        ..Default::default()
    };
    let Transport::Ses(ses) = parse(&good, None).unwrap().transport else {
        panic!("ses")
    };
    assert_eq!(ses.endpoint_url.as_deref(), Some("http://127.0.0.1:5005"));
    let bad = SettingsForm {
        aws_region: "mars-1".into(),
        aws_access_key: "short".into(),
        secret: String::new(),
        endpoint_url: "http://ses.example.com".into(),
        ..good.clone()
    };
    assert_eq!(
        fields(parse(&bad, None).unwrap_err()),
        ["aws_region", "aws_access_key", "endpoint_url", "secret"]
    );
    let vpc = SettingsForm {
        endpoint_url: "https://vpce-1.email.eu-west-1.vpce.amazonaws.com".into(),
        ..good
    };
    assert!(parse(&vpc, None).is_ok());
}
