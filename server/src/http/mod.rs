//! HTTP concerns around the app: the client's address, security headers, the host and
//! cross-origin checks, the body size limit, health endpoints, static files, what request logs
//! record.

pub mod activity_export;
pub mod client_addr;
pub mod headers;
pub mod host;
pub mod limits;
pub mod metrics;
pub mod origin;
pub mod page;
pub mod probes;
pub mod request_id;
pub mod statics;
pub mod trace;
pub mod viewer;
