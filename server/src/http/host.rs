//! Refuses requests sent to a host name that is not this instance's (DNS rebinding): a page
//! on `evil.example` whose name is made to resolve to this server would otherwise pass the
//! Origin check (Origin and Host both say `evil.example`) and could run setup on an instance
//! nobody has set up yet. Refused requests get 421 Misdirected Request.
//!
//! - With ROSTER_PUBLIC_URL, only its host (and port) is answered.
//! - Without it, before setup only loopback names are (`localhost`, 127.0.0.0/8, `[::1]`);
//!   after setup any host is, as the operator has not said which one is theirs.
//! - `/healthz` and `/readyz` answer for any host: load balancers probe by IP address.

use super::origin::origin_of;
use app::state::AppState;
use axum::extract::{Request, State};
use axum::http::uri::Authority;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sqlx::AnyPool;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

const NOT_SET_UP: &str = "Roster is not set up yet: open it through localhost or the address in ROSTER_PUBLIC_URL.";

/// The middleware's state: built once per router.
pub struct HostCheck {
    /// ROSTER_PUBLIC_URL's origin and its host and port (the scheme's port if it names none).
    public: Option<(String, Host)>,
    pool: AnyPool,
    /// Setup, once completed, is never undone: after the first "yes" no request asks again.
    set_up: AtomicBool,
}

#[derive(Debug, PartialEq, Eq)]
struct Host {
    name: String,
    port: Option<u16>,
}

impl HostCheck {
    pub fn new(state: &AppState) -> Arc<HostCheck> {
        let public = state.config.public_url.as_deref().and_then(|url| {
            let origin = origin_of(url);
            let default_port = if origin.starts_with("https://") { 443 } else { 80 };
            let mut host = parse_host(origin.split_once("://")?.1)?;
            host.port.get_or_insert(default_port);
            Some((origin.clone(), host))
        });
        Arc::new(HostCheck {
            public,
            pool: state.db.pool.clone(),
            set_up: AtomicBool::new(false),
        })
    }

    async fn setup_completed(&self) -> bool {
        if self.set_up.load(Ordering::Relaxed) {
            return true;
        }
        match app::auth::store::setup_completed(&self.pool).await {
            Ok(done) => {
                self.set_up.store(done, Ordering::Relaxed);
                done
            }
            Err(error) => {
                // Unknown counts as not set up: only loopback gets through.
                tracing::warn!(%error, "could not tell whether setup is completed");
                false
            }
        }
    }
}

pub async fn allowed_hosts_only(State(check): State<Arc<HostCheck>>, request: Request, next: Next) -> Response {
    if matches!(request.uri().path(), "/healthz" | "/readyz") {
        return next.run(request).await;
    }
    // HTTP/2 clients send the host as the request's authority, not a Host header.
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| request.uri().authority().map(Authority::as_str))
        .and_then(parse_host);
    let refusal = match &check.public {
        Some((origin, public)) => {
            let matches = host.is_some_and(|host| host.name == public.name && host.port.or(public.port) == public.port);
            (!matches).then(|| format!("This server answers only at {origin}."))
        }
        None if host.as_ref().is_some_and(Host::is_loopback) => None,
        None => (!check.setup_completed().await).then(|| NOT_SET_UP.to_string()),
    };
    match refusal {
        None => next.run(request).await,
        Some(message) => {
            let path = super::trace::logged_path(request.uri());
            tracing::warn!(host = ?request.headers().get(header::HOST), %path, "request for another host refused");
            (StatusCode::MISDIRECTED_REQUEST, message).into_response()
        }
    }
}

/// `Host: Example.COM:8080` → `example.com`, port 8080. None if it is not a host[:port].
fn parse_host(raw: &str) -> Option<Host> {
    let authority: Authority = raw.parse().ok()?;
    // A Host header names no user info or path; refuse anything more than host[:port].
    if authority.as_str().contains('@') {
        return None;
    }
    Some(Host {
        name: authority.host().to_ascii_lowercase(),
        port: authority.port_u16(),
    })
}

impl Host {
    fn is_loopback(&self) -> bool {
        let ip = self.name.trim_start_matches('[').trim_end_matches(']');
        self.name == "localhost" || ip.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_parsed_and_loopback_is_recognised() {
        let host = parse_host("Roster.Example.COM:8443").unwrap();
        assert_eq!((host.name.as_str(), host.port), ("roster.example.com", Some(8443)));
        for loopback in [
            "localhost",
            "localhost:3000",
            "127.0.0.1",
            "127.3.4.5:80",
            "[::1]",
            "[::1]:3000",
        ] {
            assert!(parse_host(loopback).unwrap().is_loopback(), "{loopback}");
        }
        for other in [
            "evil.example",
            "localhost.evil.example",
            "10.0.0.1:3000",
            "[::2]",
            "0.0.0.0",
        ] {
            assert!(!parse_host(other).unwrap().is_loopback(), "{other}");
        }
        assert!(parse_host("user@evil.example").is_none());
        assert!(parse_host("a b").is_none());
    }
}
