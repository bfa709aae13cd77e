//! The client's address, resolved once per request. Behind a reverse proxy every connection
//! comes from the proxy, so `X-Forwarded-For` is believed, but only when the TCP peer is in
//! ROSTER_TRUSTED_PROXIES: anyone else could write any address into it. The result goes into
//! the request's extensions (`app::context::ClientAddr`), where `request_meta` reads it for the
//! sign-in limits, the activity log and sessions.

use app::context::ClientAddr;
use app::state::RuntimeConfig;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// Parses ROSTER_TRUSTED_PROXIES: comma-separated CIDRs (`10.0.0.0/8`, `::1/128`) or single
/// addresses (`127.0.0.1`).
pub fn parse_trusted_proxies(text: &str) -> Result<Vec<IpNet>, String> {
    text.split(',')
        .map(str::trim)
        .map(|entry| {
            if entry.is_empty() {
                return Err("has an empty entry: list CIDRs separated by commas, like 10.0.0.0/8,::1/128".into());
            }
            entry
                .parse::<IpNet>()
                .map(|net| net.trunc())
                .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("has \"{entry}\", which is not a CIDR like 10.0.0.0/8 or an address"))
        })
        .collect()
}

fn is_trusted(ip: IpAddr, trusted: &[IpNet]) -> bool {
    trusted.iter().any(|net| net.contains(&ip))
}

/// One hop of `X-Forwarded-For`: an address, perhaps with a port (`1.2.3.4:80`, `[::1]:80`)
/// as some proxies write it.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    let ip = hop
        .parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| hop.strip_prefix('[')?.strip_suffix(']')?.parse().ok())?;
    Some(ip.to_canonical())
}

/// The client behind `peer`: the peer itself unless it is a trusted proxy; then, walking
/// `X-Forwarded-For` from the right (each proxy appends the address it saw), the first hop
/// that is not itself trusted. If every hop is trusted, the leftmost; a malformed hop stops
/// the walk at the last good one, since nothing left of it can be vouched for.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    // A dual-stack listener reports IPv4 clients as ::ffff:a.b.c.d.
    let peer = peer.to_canonical();
    if !is_trusted(peer, trusted) {
        return peer;
    }
    let mut client = peer;
    // Several header lines are one list, in order.
    let lines: Vec<_> = headers.get_all("x-forwarded-for").iter().collect();
    for line in lines.into_iter().rev() {
        let Ok(text) = line.to_str() else {
            return client;
        };
        for hop in text.rsplit(',') {
            let Some(ip) = parse_hop(hop) else {
                return client;
            };
            client = ip;
            if !is_trusted(ip, trusted) {
                return client;
            }
        }
    }
    client
}

pub async fn resolve(State(config): State<Arc<RuntimeConfig>>, mut request: Request, next: Next) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip());
    if let Some(peer) = peer {
        let client = client_ip(peer, request.headers(), &config.trusted_proxies);
        request.extensions_mut().insert(ClientAddr(client));
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn nets(text: &str) -> Vec<IpNet> {
        parse_trusted_proxies(text).unwrap()
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn forwarded(lines: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for line in lines {
            headers.append("x-forwarded-for", HeaderValue::from_str(line).unwrap());
        }
        headers
    }

    #[test]
    fn parses_cidrs_and_single_addresses() {
        let parsed = nets(" 127.0.0.1/32, 10.0.0.0/8,::1/128 ,192.168.1.7, fd00::/8");
        assert_eq!(parsed.len(), 5);
        assert!(is_trusted(ip("10.200.3.4"), &parsed));
        assert!(is_trusted(ip("::1"), &parsed));
        assert!(is_trusted(ip("192.168.1.7"), &parsed));
        assert!(!is_trusted(ip("192.168.1.8"), &parsed));
        assert!(is_trusted(ip("fd12::1"), &parsed));
        assert!(!is_trusted(ip("11.0.0.1"), &parsed));
        // Host bits set are cut to the network.
        assert_eq!(nets("10.1.2.3/8")[0].to_string(), "10.0.0.0/8");
    }

    #[test]
    fn bad_lists_say_what_is_wrong() {
        assert!(parse_trusted_proxies("10.0.0.0/33")
            .unwrap_err()
            .contains("10.0.0.0/33"));
        assert!(parse_trusted_proxies("proxy.example.com")
            .unwrap_err()
            .contains("proxy.example.com"));
        assert!(parse_trusted_proxies("10.0.0.0/8,,::1")
            .unwrap_err()
            .contains("empty entry"));
        assert!(parse_trusted_proxies("10.0.0.0/8,").is_err());
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let trusted = nets("10.0.0.0/8");
        let headers = forwarded(&["198.51.100.1"]);
        assert_eq!(client_ip(ip("203.0.113.7"), &headers, &trusted), ip("203.0.113.7"));
        assert_eq!(client_ip(ip("203.0.113.7"), &headers, &[]), ip("203.0.113.7"));
    }

    #[test]
    fn a_trusted_peer_is_believed_up_to_the_rightmost_untrusted_hop() {
        let trusted = nets("10.0.0.0/8,::1/128");
        let peer = ip("10.0.0.1");
        assert_eq!(
            client_ip(peer, &forwarded(&["198.51.100.1"]), &trusted),
            ip("198.51.100.1")
        );
        // The client wrote 1.1.1.1 itself; the proxies appended what they saw after it.
        let spoofed = forwarded(&["1.1.1.1, 198.51.100.1, 10.0.0.9"]);
        assert_eq!(client_ip(peer, &spoofed, &trusted), ip("198.51.100.1"));
        // Two header lines are one list.
        let split = forwarded(&["1.1.1.1, 198.51.100.1", "10.0.0.9"]);
        assert_eq!(client_ip(peer, &split, &trusted), ip("198.51.100.1"));
        // No header: the proxy itself.
        assert_eq!(client_ip(peer, &HeaderMap::new(), &trusted), peer);
        // Every hop trusted: the leftmost.
        assert_eq!(
            client_ip(peer, &forwarded(&["10.1.1.1, 10.2.2.2"]), &trusted),
            ip("10.1.1.1")
        );
        assert_eq!(
            client_ip(ip("::1"), &forwarded(&["2001:db8::5"]), &trusted),
            ip("2001:db8::5")
        );
    }

    #[test]
    fn a_malformed_hop_stops_the_walk() {
        let trusted = nets("10.0.0.0/8");
        let peer = ip("10.0.0.1");
        assert_eq!(client_ip(peer, &forwarded(&["garbage"]), &trusted), peer);
        assert_eq!(client_ip(peer, &forwarded(&[""]), &trusted), peer);
        assert_eq!(
            client_ip(peer, &forwarded(&["198.51.100.1, unknown, 10.0.0.9"]), &trusted),
            ip("10.0.0.9")
        );
        assert_eq!(
            client_ip(peer, &forwarded(&["198.51.100.1,, 10.0.0.9"]), &trusted),
            ip("10.0.0.9")
        );
    }

    #[test]
    fn hops_with_ports_and_mapped_addresses_are_read() {
        let trusted = nets("10.0.0.0/8");
        let peer = ip("::ffff:10.0.0.1");
        assert_eq!(
            client_ip(peer, &forwarded(&["198.51.100.1:4711"]), &trusted),
            ip("198.51.100.1")
        );
        assert_eq!(
            client_ip(peer, &forwarded(&["[2001:db8::5]:443"]), &trusted),
            ip("2001:db8::5")
        );
        assert_eq!(
            client_ip(peer, &forwarded(&["[2001:db8::5]"]), &trusted),
            ip("2001:db8::5")
        );
        assert_eq!(
            client_ip(peer, &forwarded(&["::ffff:10.0.0.2"]), &trusted),
            ip("10.0.0.2")
        );
        assert_eq!(
            client_ip(ip("::ffff:203.0.113.7"), &HeaderMap::new(), &trusted),
            ip("203.0.113.7")
        );
    }
}
