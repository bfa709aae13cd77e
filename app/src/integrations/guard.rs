//! (ssr) Where Roster may send webhooks and Slack messages (SSRF): https only, and never to an
//! address in a private, loopback or link-local range, unless the operator listed the host or
//! address in `ROSTER_WEBHOOK_ALLOW`. Checked when an integration is saved and again at each
//! send, where the checked addresses are the only ones connected to (no second lookup).

use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};

/// `ROSTER_WEBHOOK_ALLOW`: host names and addresses or ranges (CIDR), comma-separated.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AllowList {
    hosts: Vec<String>,
    nets: Vec<IpNet>,
}

impl AllowList {
    pub fn parse(list: &str) -> Result<AllowList, String> {
        let mut allow = AllowList::default();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            if let Ok(net) = item.parse::<IpNet>() {
                allow.nets.push(net);
            } else if let Ok(ip) = item.trim_matches(['[', ']']).parse::<IpAddr>() {
                allow.nets.push(IpNet::from(ip));
            } else if item.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-') {
                allow.hosts.push(item.to_ascii_lowercase());
            } else {
                return Err(format!("{item:?} is not a host name, an address or a CIDR range"));
            }
        }
        Ok(allow)
    }

    fn host(&self, host: &str) -> bool {
        self.hosts.iter().any(|h| h == host)
    }

    fn ip(&self, ip: IpAddr) -> bool {
        self.nets.iter().any(|n| n.contains(&ip))
    }
}

/// A URL that passed the checks, with the addresses to connect to.
#[derive(Clone, Debug)]
pub struct Checked {
    pub url: url::Url,
    pub host: String,
    pub addrs: Vec<SocketAddr>,
}

/// Checks the URL's form only (scheme, host), as when it is typed.
pub fn check_form(raw: &str, allow: &AllowList) -> Result<url::Url, String> {
    let url = url::Url::parse(raw.trim()).map_err(|_| "Enter a full URL, starting with https://.".to_string())?;
    let host = url.host_str().ok_or("The URL has no host.")?.to_ascii_lowercase();
    if !url.username().is_empty() || url.password().is_some() {
        return Err("Put credentials in a header, not in the URL.".into());
    }
    let listed = allow.host(&host) || host_ip(&host).is_some_and(|ip| allow.ip(ip));
    match url.scheme() {
        "https" => Ok(url),
        "http" if listed => Ok(url),
        _ => Err("The URL must start with https://.".into()),
    }
}

/// Why a URL may not be used now; `transient` when trying again later may help (DNS).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    pub message: String,
    pub transient: bool,
}

impl From<String> for Refused {
    fn from(message: String) -> Refused {
        Refused {
            message,
            transient: false,
        }
    }
}

/// Checks the URL and resolves its host: every address it may connect to is public, or the
/// host or address is in the allow list.
pub async fn check(raw: &str, allow: &AllowList) -> Result<Checked, Refused> {
    let url = check_form(raw, allow)?;
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    let port = url.port_or_known_default().unwrap_or(443);
    let found: Vec<SocketAddr> = match host_ip(&host) {
        Some(ip) => vec![SocketAddr::new(ip, port)],
        None => tokio::net::lookup_host((host.as_str(), port))
            .await
            .map_err(|e| Refused {
                message: format!("{host} cannot be resolved: {e}"),
                transient: true,
            })?
            .collect(),
    };
    let host_listed = allow.host(&host);
    let addrs: Vec<SocketAddr> = found
        .iter()
        .copied()
        .filter(|a| host_listed || allow.ip(a.ip()) || is_public(a.ip()))
        .collect();
    if addrs.is_empty() {
        return Err(format!(
            "{host} resolves to a private, loopback or link-local address: Roster does not send there (an operator can allow it with ROSTER_WEBHOOK_ALLOW)."
        )
        .into());
    }
    Ok(Checked { url, host, addrs })
}

fn host_ip(host: &str) -> Option<IpAddr> {
    host.trim_matches(['[', ']']).parse().ok()
}

/// Not private, loopback, link-local, shared (CGNAT), unspecified, broadcast or multicast.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (o[1] & 0xc0) == 64))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_ranges_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "2606:2800:220:1::1"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn https_only_unless_listed() {
        let none = AllowList::default();
        assert!(check_form("http://example.com/x", &none).is_err());
        assert!(check_form("https://example.com/x", &none).is_ok());
        assert!(check_form("https://user:pw@example.com/x", &none).is_err());
        let allow = AllowList::parse("127.0.0.1, hooks.internal").unwrap();
        assert!(check_form("http://127.0.0.1:9000/x", &allow).is_ok());
        assert!(check_form("http://hooks.internal/x", &allow).is_ok());
        assert!(check_form("http://10.0.0.1/x", &allow).is_err());
        assert!(AllowList::parse("not a host!").is_err());
    }

    #[tokio::test]
    async fn loopback_is_refused_unless_listed() {
        let none = AllowList::default();
        assert!(check("https://127.0.0.1/x", &none).await.is_err());
        assert!(check("https://localhost/x", &none).await.is_err());
        assert!(check("https://[::1]/x", &none).await.is_err());
        let allow = AllowList::parse("127.0.0.1").unwrap();
        let checked = check("http://127.0.0.1:9/x", &allow).await.unwrap();
        assert_eq!(checked.addrs, vec!["127.0.0.1:9".parse().unwrap()]);
    }
}
