//! (ssr) The mailer settings form parsed into a configuration that is known to be usable.
//! Pure: no database, no network, so every rule is unit-tested here.

use super::{MailerKind, SmtpSecurity, AWS_SES_REGIONS};
use crate::domain::{Email, FieldError};

/// What the Email Configuration form sends. An empty `secret` keeps the stored one.
#[derive(Clone, Debug, Default)]
pub struct SettingsForm {
    pub kind: String,
    pub sender_address: String,
    pub sender_name: String,
    pub host: String,
    pub port: String,
    pub security: String,
    pub username: String,
    pub secret: String,
    pub aws_region: String,
    pub aws_access_key: String,
    pub endpoint_url: String,
}

/// The sender every message carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sender {
    pub address: Email,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    /// Empty for relays that take mail without authentication.
    pub username: String,
    pub password: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SesConfig {
    pub region: String,
    pub access_key: String,
    pub secret_key: String,
    /// An endpoint other than AWS's public one (VPC endpoints, tests).
    pub endpoint_url: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transport {
    Smtp(SmtpConfig),
    Ses(SesConfig),
}

/// A complete, valid mailer configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailerConfig {
    pub kind: MailerKind,
    pub sender: Sender,
    pub transport: Transport,
}

impl MailerConfig {
    pub fn secret(&self) -> &str {
        match &self.transport {
            Transport::Smtp(smtp) => &smtp.password,
            Transport::Ses(ses) => &ses.secret_key,
        }
    }
}

/// Parses the form. `stored_secret` is the saved secret, used when the form leaves the secret
/// empty and the mailer type has not changed. Every problem is reported at once.
pub fn parse(
    form: &SettingsForm,
    stored_secret: Option<(MailerKind, String)>,
) -> Result<MailerConfig, Vec<FieldError>> {
    let mut errors = Vec::new();
    let Some(kind) = MailerKind::from_code(&form.kind) else {
        return Err(vec![FieldError::new("kind", "Choose a mailer type.")]);
    };
    let address = Email::parse(&form.sender_address)
        .map_err(|e| FieldError::new("sender_address", e.message.replace("Email", "Sender address")))
        .map_err(|e| errors.push(e))
        .ok();
    let name = form.sender_name.trim().to_string();
    if name.chars().count() > 100 || name.chars().any(char::is_control) {
        errors.push(FieldError::new(
            "sender_name",
            "Sender name must be at most 100 characters on one line.",
        ));
    }
    let new_secret = match kind {
        // Google shows app passwords in groups of four; the spaces are not part of it.
        MailerKind::GoogleSmtp => form.secret.split_whitespace().collect::<String>(),
        _ => form.secret.clone(),
    };
    let secret = if !new_secret.is_empty() {
        Some(new_secret)
    } else {
        stored_secret
            .filter(|(stored_kind, _)| *stored_kind == kind)
            .map(|(_, s)| s)
    };
    let transport = match kind {
        MailerKind::GoogleSmtp | MailerKind::Smtp => parse_smtp(kind, form, address.as_ref(), secret, &mut errors),
        MailerKind::AwsSes => parse_ses(form, secret, &mut errors),
    };
    match (address, transport, errors.is_empty()) {
        (Some(address), Some(transport), true) => Ok(MailerConfig {
            kind,
            sender: Sender { address, name },
            transport,
        }),
        _ => Err(errors),
    }
}

fn parse_smtp(
    kind: MailerKind,
    form: &SettingsForm,
    address: Option<&Email>,
    secret: Option<String>,
    errors: &mut Vec<FieldError>,
) -> Option<Transport> {
    let host = form.host.trim().to_ascii_lowercase();
    let host_ok = is_hostname(&host);
    if !host_ok {
        errors.push(FieldError::new(
            "host",
            "Enter the mail server's host name, like smtp.example.com.",
        ));
    }
    let port = form.port.trim().parse::<u16>().ok().filter(|p| *p > 0);
    if port.is_none() {
        errors.push(FieldError::new("port", "Enter a port between 1 and 65535."));
    }
    let security = SmtpSecurity::from_code(&form.security);
    match security {
        None => errors.push(FieldError::new("security", "Choose how the connection is secured.")),
        Some(SmtpSecurity::None) if host_ok && !is_loopback(&host) => errors.push(FieldError::new(
            "security",
            "Unencrypted connections are allowed only to a mail server on this machine (localhost). Choose implicit TLS or STARTTLS.",
        )),
        _ => {}
    }
    // Google signs in with the sender's address; other servers may use any user name, or none.
    let username = match kind {
        MailerKind::GoogleSmtp => address.map(|a| a.as_str().to_string()).unwrap_or_default(),
        _ => form.username.trim().to_string(),
    };
    if username.chars().any(char::is_control) || username.len() > 254 {
        errors.push(FieldError::new("username", "Enter the user name on one line."));
    }
    let password = secret.unwrap_or_default();
    let needs_password = kind == MailerKind::GoogleSmtp || !username.is_empty();
    if needs_password && password.is_empty() {
        let message = match kind {
            MailerKind::GoogleSmtp => "Enter the app password generated for this Google account.",
            _ => "Enter the password for this user name.",
        };
        errors.push(FieldError::new("secret", message));
    }
    Some(Transport::Smtp(SmtpConfig {
        host,
        port: port?,
        security: security?,
        username,
        password,
    }))
}

fn parse_ses(form: &SettingsForm, secret: Option<String>, errors: &mut Vec<FieldError>) -> Option<Transport> {
    let region = form.aws_region.trim().to_string();
    if !AWS_SES_REGIONS.contains(&region.as_str()) {
        errors.push(FieldError::new(
            "aws_region",
            "Choose the AWS region of your SES account.",
        ));
    }
    let access_key = form.aws_access_key.trim().to_string();
    if !(16..=128).contains(&access_key.len()) || !access_key.chars().all(|c| c.is_ascii_alphanumeric()) {
        errors.push(FieldError::new(
            "aws_access_key",
            "Enter the access key ID: 16 or more letters and digits, like AKIAIOSFODNN7EXAMPLE.",
        ));
    }
    let secret_key = secret.unwrap_or_default().trim().to_string();
    if secret_key.is_empty() {
        errors.push(FieldError::new("secret", "Enter the secret access key."));
    }
    let endpoint = form.endpoint_url.trim().trim_end_matches('/').to_string();
    let endpoint_url = if endpoint.is_empty() {
        None
    } else if endpoint_is_acceptable(&endpoint) {
        Some(endpoint)
    } else {
        errors.push(FieldError::new(
            "endpoint_url",
            "Enter an https:// URL (http:// only for this machine), or leave it empty for AWS's own endpoint.",
        ));
        None
    };
    Some(Transport::Ses(SesConfig {
        region,
        access_key,
        secret_key,
        endpoint_url,
    }))
}

fn endpoint_is_acceptable(url: &str) -> bool {
    let (scheme, rest) = match url.split_once("://") {
        Some(parts) => parts,
        None => return false,
    };
    let authority = rest.split('/').next().unwrap_or_default();
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if port.parse::<u16>().is_ok() => host,
        _ => authority,
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    match scheme {
        "https" => is_hostname(host),
        "http" => is_loopback(host),
        _ => false,
    }
}

/// A DNS name or an IP address: no scheme, no port, no spaces.
fn is_hostname(host: &str) -> bool {
    if host.parse::<std::net::IpAddr>().is_ok() {
        return true;
    }
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

pub fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
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
            config.transport,
            Transport::Smtp(SmtpConfig {
                host: "smtp.example.com".into(),
                port: 587,
                security: SmtpSecurity::StartTls,
                username: "mailer".into(),
                password: "s3cret".into(),
            })
        );
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

    #[test]
    fn an_empty_secret_keeps_the_stored_one_of_the_same_kind_only() {
        let form = SettingsForm {
            secret: String::new(),
            ..smtp_form()
        };
        let kept = parse(&form, Some((MailerKind::Smtp, "old".into()))).unwrap();
        assert_eq!(kept.secret(), "old");
        let other_kind = parse(&form, Some((MailerKind::AwsSes, "aws".into())));
        assert_eq!(fields(other_kind.unwrap_err()), ["secret"]);
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
        assert_eq!(smtp.password, "abcdefghijklmnop");
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
            ["aws_region", "aws_access_key", "secret", "endpoint_url"]
        );
        let vpc = SettingsForm {
            endpoint_url: "https://vpce-1.email.eu-west-1.vpce.amazonaws.com".into(),
            ..good
        };
        assert!(parse(&vpc, None).is_ok());
    }
}
