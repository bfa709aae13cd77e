//! The activity (audit) log: who did what, from where, with what outcome.

pub mod view;
#[cfg(feature = "ssr")]
pub mod store;
