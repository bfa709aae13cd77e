//! What every request handler and server function can reach: the database, settings fixed at
//! start-up, and the clock. Provided to server functions through Leptos context.

use crate::clock::Clock;
use crate::db::Db;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use secrecy::{ExposeSecret, SecretBox};
use std::sync::Arc;

#[derive(Clone, Debug)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub config: Arc<RuntimeConfig>,
    pub clock: Clock,
    pub mail: MailRuntime,
    /// Where each page of the users lists starts (a per-process cache, see its module).
    pub users_pages: crate::users::page_index::PageIndex,
    /// How many users match recent searches (a per-process cache, see its module).
    pub users_matches: crate::users::match_counts::MatchCounts,
}

/// Per-process mail machinery: the cached mailer (so its SMTP pool is reused) and the bell that
/// wakes the outbox worker when something is queued.
#[derive(Clone, Debug, Default)]
pub struct MailRuntime {
    pub mailers: crate::mail::transport::MailerCache,
    pub wake: Arc<tokio::sync::Notify>,
}

impl MailRuntime {
    /// Tells this process's outbox worker to look now instead of at its next poll.
    pub fn wake_worker(&self) {
        self.wake.notify_one();
    }
}

/// Start-up configuration the app needs at run time.
#[derive(Debug)]
pub struct RuntimeConfig {
    /// `ROSTER_PUBLIC_URL`, when the operator fixed it; otherwise the URL saved at setup is used.
    pub public_url: Option<String>,
    /// 32 bytes used to encrypt secrets stored in the database; `Debug` prints it redacted.
    pub secret_key: SecretBox<[u8; 32]>,
    /// `ROSTER_TRUSTED_PROXIES`: peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// `ROSTER_OUTBOX_LEASE_SECS`: how long a claimed email is left to the worker that claimed it.
    pub outbox_lease_secs: i64,
    /// `ROSTER_WEBHOOK_ALLOW`: hosts and addresses webhooks may reach over http or in private
    /// ranges (see `integrations::guard`).
    pub webhook_allow: crate::integrations::guard::AllowList,
}

impl RuntimeConfig {
    pub fn new(public_url: Option<String>, secret_key: [u8; 32]) -> RuntimeConfig {
        RuntimeConfig {
            public_url,
            secret_key: SecretBox::new(Box::new(secret_key)),
            trusted_proxies: Vec::new(),
            outbox_lease_secs: crate::mail::outbox::DEFAULT_LEASE_SECS,
            webhook_allow: Default::default(),
        }
    }

    /// The same, with claimed emails leased for `seconds`.
    pub fn with_outbox_lease(self, seconds: i64) -> RuntimeConfig {
        RuntimeConfig {
            outbox_lease_secs: seconds,
            ..self
        }
    }

    /// The same, with `ROSTER_WEBHOOK_ALLOW`'s list.
    pub fn with_webhook_allow(self, webhook_allow: crate::integrations::guard::AllowList) -> RuntimeConfig {
        RuntimeConfig { webhook_allow, ..self }
    }

    /// The same, trusting `X-Forwarded-For` from these proxies.
    pub fn with_trusted_proxies(self, trusted_proxies: Vec<ipnet::IpNet>) -> RuntimeConfig {
        RuntimeConfig {
            trusted_proxies,
            ..self
        }
    }

    /// The instance key, for sealing and opening stored secrets.
    pub fn key(&self) -> &[u8; 32] {
        self.secret_key.expose_secret()
    }

    /// Cookies get the Secure flag when the console is served over https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.as_deref().is_some_and(|u| u.starts_with("https://"))
    }

    /// The session cookie's name: with the `__Host-` prefix when the console is served over
    /// https (the browser then accepts it only Secure, for this host, on every path).
    pub fn session_cookie(&self) -> &'static str {
        if self.secure_cookies() {
            "__Host-roster_session"
        } else {
            "roster_session"
        }
    }

    /// The device cookie's name (see `auth::devices`), prefixed as the session cookie's is.
    pub fn device_cookie(&self) -> &'static str {
        if self.secure_cookies() {
            "__Host-roster_device"
        } else {
            "roster_device"
        }
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
