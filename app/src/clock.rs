//! Time, as unix seconds. Tests move the clock forward instead of sleeping.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset: Arc<AtomicI64>,
    /// When set (non-zero), the time the clock stands still at, before `offset`.
    frozen_at: Arc<AtomicI64>,
}

impl Clock {
    pub fn now(&self) -> i64 {
        let frozen = self.frozen_at.load(Ordering::Relaxed);
        let base = if frozen != 0 { frozen } else { system_now() };
        base + self.offset.load(Ordering::Relaxed)
    }

    /// Stops this clock (and every clone of it) at the current time: from then on only
    /// [`Clock::advance`] moves it, for tests whose steps must fall within one second.
    pub fn freeze(&self) {
        self.frozen_at.store(system_now(), Ordering::Relaxed);
    }

    /// How far this clock stands from the system's (zero outside tests): added to the
    /// database's clock where replicas must agree on the time (`Db::now`).
    pub fn moved_by(&self) -> i64 {
        self.now() - system_now()
    }

    /// Moves this clock (and every clone of it) forward.
    pub fn advance(&self, seconds: i64) {
        self.offset.fetch_add(seconds, Ordering::Relaxed);
    }
}

fn system_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}
