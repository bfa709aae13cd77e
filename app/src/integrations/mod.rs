//! Settings → Integrations: where trigger notifications go (email addresses, a Slack incoming
//! webhook, a signed webhook), each with its recent deliveries and Redeliver, and the
//! organisation name messages carry ("Client:").

pub mod api;
#[cfg(feature = "ssr")]
pub mod guard;
pub mod organisation;
#[cfg(feature = "ssr")]
pub mod send;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
pub mod view;

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum IntegrationKind {
    Email,
    Slack,
    Webhook,
}

crate::codes!(IntegrationKind {
    Email => "email",
    Slack => "slack",
    Webhook => "webhook",
});

impl IntegrationKind {
    pub fn label(self) -> &'static str {
        match self {
            IntegrationKind::Email => "Email",
            IntegrationKind::Slack => "Slack",
            IntegrationKind::Webhook => "Webhook",
        }
    }
}

/// An integration as the page shows it: never its secrets (the Slack URL, headers, secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntegrationInfo {
    pub id: i64,
    pub kind: IntegrationKind,
    pub name: String,
    /// Email: the addresses; webhook: "POST https://…"; Slack: "Incoming webhook (saved)".
    pub target: String,
    pub paused: bool,
}

/// The add-an-integration form as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntegrationForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    /// Email: addresses separated by commas, spaces or new lines.
    #[serde(default)]
    pub emails: String,
    /// Slack or webhook URL.
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub method: String,
    /// Webhook: custom headers, one `Name: value` a line.
    #[serde(default)]
    pub headers: String,
}

/// What saving (or rotating the secret of) a webhook answers: its signing secret, shown once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Saved {
    pub id: i64,
    pub secret: Option<String>,
}

/// One delivery in an integration's log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryInfo {
    pub id: i64,
    pub at: i64,
    pub event_type: String,
    pub status: String,
    pub status_code: Option<i64>,
    pub attempts: i64,
    pub error: Option<String>,
}
