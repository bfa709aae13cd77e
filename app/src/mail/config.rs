//! (ssr) The mailer settings form parsed into a configuration that is known to be usable.
//! Pure: no database, no network, so every rule is unit-tested here.

use super::{MailerKind, SettingsForm, SmtpSecurity, AWS_SES_REGIONS};
use crate::domain::{has_invisible_or_bidi, Email, FieldError};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// The sender every message carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sender {
    pub address: Email,
    pub name: String,
}

#[derive(Clone, Debug)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    /// Empty for relays that take mail without authentication.
    pub username: String,
    pub password: SecretString,
}

#[derive(Clone, Debug)]
pub struct SesConfig {
    pub region: String,
    pub access_key: String,
    pub secret_key: SecretString,
    /// An endpoint other than AWS's public one (VPC endpoints, tests).
    pub endpoint_url: Option<String>,
}

#[derive(Clone, Debug)]
pub enum Transport {
    Smtp(SmtpConfig),
    Ses(SesConfig),
}

/// A complete, valid mailer configuration.
#[derive(Clone, Debug)]
pub struct MailerConfig {
    pub kind: MailerKind,
    pub sender: Sender,
    pub transport: Transport,
}

/// Everything a secret is entered for: where it is sent and as whom. A stored secret is used
/// only for exactly this endpoint, so changing the host, port, security, user name, region,
/// access key or endpoint URL (or the mailer type) never sends the stored secret anywhere new.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Endpoint {
    Smtp {
        kind: MailerKind,
        host: String,
        port: u16,
        security: SmtpSecurity,
        username: String,
    },
    Ses {
        region: String,
        access_key: String,
        endpoint_url: Option<String>,
    },
}

impl Endpoint {
    /// Where mail goes, for people: `smtp.example.com:587` or `SES eu-west-1`.
    pub fn describe(&self) -> String {
        match self {
            Endpoint::Smtp { host, port, .. } => format!("{host}:{port}"),
            Endpoint::Ses {
                region, endpoint_url, ..
            } => match endpoint_url {
                Some(url) => format!("AWS SES {region} at {url}"),
                None => format!("AWS SES {region}"),
            },
        }
    }
}

/// The saved secret and the endpoint it belongs to.
#[derive(Clone, Debug)]
pub struct StoredSecret {
    pub endpoint: Endpoint,
    pub secret: SecretString,
}

impl MailerConfig {
    pub fn secret(&self) -> &str {
        match &self.transport {
            Transport::Smtp(smtp) => smtp.password.expose_secret(),
            Transport::Ses(ses) => ses.secret_key.expose_secret(),
        }
    }

    pub fn endpoint(&self) -> Endpoint {
        match &self.transport {
            Transport::Smtp(smtp) => Endpoint::Smtp {
                kind: self.kind,
                host: smtp.host.clone(),
                port: smtp.port,
                security: smtp.security,
                username: smtp.username.clone(),
            },
            Transport::Ses(ses) => Endpoint::Ses {
                region: ses.region.clone(),
                access_key: ses.access_key.clone(),
                endpoint_url: ses.endpoint_url.clone(),
            },
        }
    }
}

/// Parses the form. `stored` is the saved secret: it fills an empty secret field only when the
/// form's endpoint is the one the secret was saved for. Every problem is reported at once.
pub fn parse(form: &SettingsForm, stored: Option<&StoredSecret>) -> Result<MailerConfig, Vec<FieldError>> {
    let mut errors = Vec::new();
    let Some(kind) = MailerKind::from_code(&form.kind) else {
        return Err(vec![FieldError::new("kind", "Choose a mailer type.")]);
    };
    let address = Email::parse(&form.sender_address)
        .map_err(|e| FieldError::new("sender_address", e.message.replace("Email", "Sender address")))
        .map_err(|e| errors.push(e))
        .ok();
    let name = form.sender_name.trim().to_string();
    // The sender name goes into every message's From header.
    if name.chars().count() > 100 || name.chars().any(char::is_control) || has_invisible_or_bidi(&name) {
        errors.push(FieldError::new(
            "sender_name",
            "Sender name must be at most 100 characters on one line, without invisible or text-direction characters.",
        ));
    }
    let typed = match kind {
        // Google shows app passwords in groups of four; the spaces are not part of it.
        MailerKind::GoogleSmtp => form.secret.split_whitespace().collect::<String>(),
        _ => form.secret.clone(),
    };
    let endpoint = match kind {
        MailerKind::GoogleSmtp | MailerKind::Smtp => parse_smtp(kind, form, address.as_ref(), &mut errors),
        MailerKind::AwsSes => parse_ses(form, &mut errors),
    };
    let typed_nothing = typed.is_empty();
    let secret = match (typed_nothing, stored) {
        (false, _) => Some(typed),
        (true, Some(stored)) if endpoint.as_ref() == Some(&stored.endpoint) => {
            Some(stored.secret.expose_secret().to_string())
        }
        _ => None,
    };
    let moved = typed_nothing && stored.is_some() && secret.is_none();
    let username = match &endpoint {
        Some(Endpoint::Smtp { username, .. }) => username.clone(),
        _ => form.username.trim().to_string(),
    };
    let secret = match kind {
        MailerKind::AwsSes => secret.unwrap_or_default().trim().to_string(),
        _ => secret.unwrap_or_default(),
    };
    if secret.is_empty() && secret_required(kind, &username) {
        errors.push(missing_secret(kind, moved));
    }
    let transport = endpoint.map(|endpoint| into_transport(endpoint, secret));
    match (address, transport, errors.is_empty()) {
        (Some(address), Some(transport), true) => Ok(MailerConfig {
            kind,
            sender: Sender { address, name },
            transport,
        }),
        _ => Err(errors),
    }
}

/// Google and SES always sign in; other SMTP servers only when a user name is given.
fn secret_required(kind: MailerKind, username: &str) -> bool {
    kind != MailerKind::Smtp || !username.is_empty()
}

/// The missing secret's message; `moved` when a saved one exists, but for another endpoint.
fn missing_secret(kind: MailerKind, moved: bool) -> FieldError {
    let what = match kind {
        MailerKind::GoogleSmtp => "app password generated for this Google account",
        MailerKind::Smtp => "password for this user name",
        MailerKind::AwsSes => "secret access key",
    };
    let message = if moved {
        format!(
            "The saved secret was entered for the previous server settings, which you changed: enter the {what} again."
        )
    } else {
        format!("Enter the {what}.")
    };
    FieldError::new("secret", message)
}

fn into_transport(endpoint: Endpoint, secret: String) -> Transport {
    match endpoint {
        Endpoint::Smtp {
            kind: _,
            host,
            port,
            security,
            username,
        } => Transport::Smtp(SmtpConfig {
            host,
            port,
            security,
            username,
            password: secret.into(),
        }),
        Endpoint::Ses {
            region,
            access_key,
            endpoint_url,
        } => Transport::Ses(SesConfig {
            region,
            access_key,
            secret_key: secret.into(),
            endpoint_url,
        }),
    }
}

fn parse_smtp(
    kind: MailerKind,
    form: &SettingsForm,
    address: Option<&Email>,
    errors: &mut Vec<FieldError>,
) -> Option<Endpoint> {
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
    Some(Endpoint::Smtp {
        kind,
        host,
        port: port?,
        security: security?,
        username,
    })
}

fn parse_ses(form: &SettingsForm, errors: &mut Vec<FieldError>) -> Option<Endpoint> {
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
    Some(Endpoint::Ses {
        region,
        access_key,
        endpoint_url,
    })
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
mod tests;
