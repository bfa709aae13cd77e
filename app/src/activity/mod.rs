//! The activity (audit) log: who did what, from where, with what outcome.

#[cfg(feature = "ssr")]
pub mod store;
pub mod view;
