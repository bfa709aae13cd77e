//! General settings (logout timeouts, console URL), stored as key/value rows.

pub mod view;
#[cfg(feature = "ssr")]
pub mod store;
