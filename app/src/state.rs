//! What every request handler and server function can reach: the database, settings fixed at
//! start-up, and the clock. Provided to server functions through Leptos context.

use crate::clock::Clock;
use crate::db::Db;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
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
    /// 32 bytes used to encrypt secrets stored in the database.
    pub secret_key: [u8; 32],
}

impl RuntimeConfig {
    /// Cookies get the Secure flag when the console is served over https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.as_deref().is_some_and(|u| u.starts_with("https://"))
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
