//! HTTP concerns around the app: security headers, the cross-origin check, the body size
//! limit, health endpoints, static files.

pub mod headers;
pub mod limits;
pub mod origin;
pub mod page;
pub mod probes;
pub mod statics;
pub mod viewer;
