//! Email: the mailer configuration (Google SMTP, any SMTP server, AWS SES), the durable outbox
//! every message goes through, and the templates.

pub mod api;
#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod notices;
#[cfg(feature = "ssr")]
pub mod outbox;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod templates;
#[cfg(feature = "ssr")]
pub mod transport;
pub mod view;

use serde::{Deserialize, Serialize};

/// Which service sends Roster's email.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MailerKind {
    GoogleSmtp,
    Smtp,
    AwsSes,
}

crate::codes!(MailerKind {
    GoogleSmtp => "google_smtp",
    Smtp => "smtp",
    AwsSes => "aws_ses",
});

impl MailerKind {
    pub fn label(self) -> &'static str {
        match self {
            MailerKind::GoogleSmtp => "Google SMTP",
            MailerKind::Smtp => "SMTP",
            MailerKind::AwsSes => "AWS SES",
        }
    }
}

/// How an SMTP connection is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SmtpSecurity {
    /// TLS from the first byte (usually port 465).
    ImplicitTls,
    /// Plain connection upgraded with STARTTLS, which is required (usually port 587).
    StartTls,
    /// No encryption: allowed only for a server on this machine.
    None,
}

crate::codes!(SmtpSecurity {
    ImplicitTls => "tls",
    StartTls => "starttls",
    None => "none",
});

impl SmtpSecurity {
    pub fn label(self) -> &'static str {
        match self {
            SmtpSecurity::ImplicitTls => "Implicit TLS",
            SmtpSecurity::StartTls => "STARTTLS",
            SmtpSecurity::None => "None (this machine only)",
        }
    }
}

pub const GOOGLE_SMTP_HOST: &str = "smtp.gmail.com";
pub const GOOGLE_SMTP_PORT: u16 = 465;

/// AWS regions where SES v2 is offered.
pub const AWS_SES_REGIONS: [&str; 24] = [
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "af-south-1",
    "ap-south-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ca-central-1",
    "eu-central-1",
    "eu-central-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-north-1",
    "eu-south-1",
    "il-central-1",
    "me-south-1",
    "sa-east-1",
    "us-gov-west-1",
];

/// The saved configuration as the browser sees it: never the secret itself, only whether one
/// is set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EmailSettings {
    pub kind: MailerKind,
    pub sender_address: String,
    pub sender_name: String,
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: String,
    pub secret_set: bool,
    pub aws_region: String,
    pub aws_access_key: String,
    pub endpoint_url: String,
    pub updated_at: i64,
}

/// Where one outgoing email stands, as the Pending tab shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Delivery {
    /// Waiting for (another) attempt; `last_error` says why the previous one failed.
    Queued {
        attempts: i64,
        last_error: Option<String>,
    },
    Sent {
        at: i64,
    },
    /// Retries ran out.
    Failed {
        reason: String,
    },
}

impl Delivery {
    pub fn summary(&self) -> String {
        match self {
            Delivery::Queued { attempts: 0, .. } => "Queued".into(),
            Delivery::Queued { attempts, last_error } => format!(
                "Queued, retrying ({attempts} failed attempt{}: {})",
                if *attempts == 1 { "" } else { "s" },
                last_error.as_deref().unwrap_or("unknown error")
            ),
            Delivery::Sent { .. } => "Sent".into(),
            Delivery::Failed { reason } => format!("Failed: {reason}"),
        }
    }
}

impl Delivery {
    /// From an outbox row's status columns (`None` when there is no row).
    pub fn from_outbox(
        status: Option<&str>,
        attempts: i64,
        last_error: Option<String>,
        sent_at: Option<i64>,
    ) -> Option<Delivery> {
        Some(match status? {
            "sent" => Delivery::Sent {
                at: sent_at.unwrap_or_default(),
            },
            "failed" => Delivery::Failed {
                reason: last_error.unwrap_or_else(|| "unknown error".into()),
            },
            _ => Delivery::Queued { attempts, last_error },
        })
    }
}

/// What the Email Configuration form sends. An empty `secret` keeps the stored one, but only
/// for the endpoint it was entered for.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SettingsForm {
    pub kind: String,
    #[serde(default)]
    pub sender_address: String,
    #[serde(default)]
    pub sender_name: String,
    #[serde(default)]
    pub host: String,
    #[serde(default)]
    pub port: String,
    #[serde(default)]
    pub security: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub secret: String,
    #[serde(default)]
    pub aws_region: String,
    #[serde(default)]
    pub aws_access_key: String,
    #[serde(default)]
    pub endpoint_url: String,
}

impl std::fmt::Debug for SettingsForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SettingsForm")
            .field("kind", &self.kind)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("secret", &"[redacted]")
            .field("aws_region", &self.aws_region)
            .field("endpoint_url", &self.endpoint_url)
            .finish_non_exhaustive()
    }
}
