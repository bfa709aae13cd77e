//! General settings (logout timeouts, console URL), stored as key/value rows.

#[cfg(feature = "ssr")]
pub mod store;
pub mod view;
