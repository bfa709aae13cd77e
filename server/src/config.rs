//! Configuration from the environment (and an optional `.env`). A bad value stops start-up
//! with a message naming the variable and what is wrong with it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct Config {
    /// `LEPTOS_SITE_ADDR`: where to listen.
    pub site_addr: SocketAddr,
    /// `LEPTOS_SITE_ROOT`: the built site (JS, WASM, CSS).
    pub site_root: String,
    /// `ROSTER_DATA_DIR`: the SQLite file and the generated secret key live here.
    pub data_dir: PathBuf,
    /// `DATABASE_URL`: SQLite by default, or PostgreSQL.
    pub database_url: String,
    /// `ROSTER_PUBLIC_URL`: the console's address in links and emails.
    pub public_url: Option<String>,
    /// `ROSTER_SECRET_KEY` or the key file in the data folder.
    pub secret_key: SecretKeySource,
    /// `ROSTER_LOG`: log filter and format.
    pub log: LogConfig,
    /// `ROSTER_TRUSTED_PROXIES`: reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// `ROSTER_DB_MAX_CONNECTIONS`: the database pool's size (default: by the machine's cores).
    pub db_max_connections: Option<u32>,
    /// `ROSTER_OUTBOX_LEASE_SECS`: how long a claimed email is left to the replica sending it.
    pub outbox_lease_secs: i64,
    /// `ROSTER_METRICS_ADDR`: where `/metrics` is served (off when unset).
    pub metrics_addr: Option<SocketAddr>,
    /// `ROSTER_WEBHOOK_ALLOW`: hosts and addresses integrations may reach despite the SSRF rules.
    pub webhook_allow: app::integrations::guard::AllowList,
}

#[derive(Debug)]
pub enum SecretKeySource {
    /// `Debug` prints it redacted.
    Given(secrecy::SecretBox<[u8; 32]>),
    File(PathBuf),
}

#[derive(Debug, Clone)]
pub struct LogConfig {
    pub filter: String,
    pub json: bool,
}

#[derive(Debug, thiserror::Error)]
#[error("configuration error: {var} {problem}")]
pub struct ConfigError {
    pub var: &'static str,
    pub problem: String,
}

fn bad(var: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        var,
        problem: problem.into(),
    }
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
    }

    /// Reads configuration through `get`, so tests can supply their own variables.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let site_addr = get("LEPTOS_SITE_ADDR")
            .unwrap_or_else(|| "127.0.0.1:3000".into())
            .parse()
            .map_err(|_| bad("LEPTOS_SITE_ADDR", "must be an address and port, like 127.0.0.1:3000"))?;
        let site_root = get("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".into());
        let data_dir = PathBuf::from(get("ROSTER_DATA_DIR").unwrap_or_else(|| "data".into()));
        let database_url = match get("DATABASE_URL") {
            Some(url)
                if url.starts_with("sqlite:") || url.starts_with("postgres://") || url.starts_with("postgresql://") =>
            {
                url
            }
            Some(_) => return Err(bad("DATABASE_URL", "must start with sqlite:// or postgres://")),
            None => format!("sqlite://{}", data_dir.join("roster.db").display()),
        };
        let public_url = match get("ROSTER_PUBLIC_URL") {
            Some(url) => Some(
                app::domain::ConsoleUrl::parse(&url)
                    .map(app::domain::ConsoleUrl::into_string)
                    .map_err(|e| bad("ROSTER_PUBLIC_URL", format!("is not valid: {}", e.message)))?,
            ),
            None => None,
        };
        let secret_key = match get("ROSTER_SECRET_KEY") {
            Some(key) => SecretKeySource::Given(secrecy::SecretBox::new(Box::new(
                parse_secret_key(&key).map_err(|p| bad("ROSTER_SECRET_KEY", p))?,
            ))),
            None => SecretKeySource::File(data_dir.join("secret.key")),
        };
        let log = parse_log(get("ROSTER_LOG").as_deref()).map_err(|p| bad("ROSTER_LOG", p))?;
        let trusted_proxies = match get("ROSTER_TRUSTED_PROXIES") {
            Some(list) => {
                crate::http::client_addr::parse_trusted_proxies(&list).map_err(|p| bad("ROSTER_TRUSTED_PROXIES", p))?
            }
            None => Vec::new(),
        };
        let db_max_connections = match get("ROSTER_DB_MAX_CONNECTIONS") {
            Some(n) => Some(
                n.trim()
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (1..=1000).contains(n))
                    .ok_or_else(|| bad("ROSTER_DB_MAX_CONNECTIONS", "must be a whole number from 1 to 1000"))?,
            ),
            None => None,
        };
        let outbox_lease_secs = match get("ROSTER_OUTBOX_LEASE_SECS") {
            Some(n) => n
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|n| (2..=86_400).contains(n))
                .ok_or_else(|| {
                    bad(
                        "ROSTER_OUTBOX_LEASE_SECS",
                        "must be a whole number of seconds from 2 to 86400",
                    )
                })?,
            None => app::mail::outbox::DEFAULT_LEASE_SECS,
        };
        let metrics_addr = match get("ROSTER_METRICS_ADDR") {
            Some(addr) => Some(addr.trim().parse().map_err(|_| {
                bad(
                    "ROSTER_METRICS_ADDR",
                    "must be an address and port, like 127.0.0.1:9100",
                )
            })?),
            None => None,
        };
        let webhook_allow =
            app::integrations::guard::AllowList::parse(&get("ROSTER_WEBHOOK_ALLOW").unwrap_or_default())
                .map_err(|p| bad("ROSTER_WEBHOOK_ALLOW", p))?;
        Ok(Config {
            site_addr,
            site_root,
            data_dir,
            database_url,
            public_url,
            secret_key,
            log,
            trusted_proxies,
            db_max_connections,
            outbox_lease_secs,
            metrics_addr,
            webhook_allow,
        })
    }
}

/// 32 bytes as 64 hex digits or as base64.
pub fn parse_secret_key(text: &str) -> Result<[u8; 32], String> {
    use base64::Engine;
    let text = text.trim();
    if let Ok(key) = <[u8; 32] as hex::FromHex>::from_hex(text) {
        return Ok(key);
    }
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text))
        .map_err(|_| "must be 32 bytes written as 64 hex digits or base64 (try: openssl rand -hex 32)".to_string())?
        .try_into()
        .map_err(|b: Vec<u8>| format!("must be 32 bytes long, got {} (try: openssl rand -hex 32)", b.len()))
}

/// `ROSTER_LOG` is a tracing filter (`info`, `debug,sqlx=warn`, …), optionally prefixed with
/// `json:` or `text:` to pick the format. Default: `text:info`.
pub fn parse_log(value: Option<&str>) -> Result<LogConfig, String> {
    let value = value.unwrap_or("info").trim();
    let (json, filter) = match value.split_once(':') {
        Some(("json", rest)) => (true, rest),
        Some(("text", rest)) => (false, rest),
        Some((other, _)) if !other.contains(['=', ',']) => {
            return Err(format!(
                "has unknown format \"{other}\": use json: or text:, e.g. json:info"
            ))
        }
        _ => (false, value),
    };
    let filter = if filter.is_empty() { "info" } else { filter };
    tracing_subscriber::EnvFilter::try_new(filter).map_err(|e| format!("has an invalid filter \"{filter}\": {e}"))?;
    Ok(LogConfig {
        filter: filter.to_string(),
        json,
    })
}

/// Reads the key file, or creates it (owner-only) with a fresh random key.
pub fn load_or_create_secret_key(path: &Path) -> Result<[u8; 32], String> {
    if path.exists() {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        return parse_secret_key(&text).map_err(|p| format!("{} {p}", path.display()));
    }
    use rand::RngCore;
    let mut key = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    write_private(path, &hex::encode(key)).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(key)
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents.as_bytes())?;
    file.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_to_sqlite_in_the_data_folder() {
        let c = config(&[("ROSTER_DATA_DIR", "/tmp/r")]).unwrap();
        assert_eq!(c.database_url, "sqlite:///tmp/r/roster.db");
        assert_eq!(c.site_addr.to_string(), "127.0.0.1:3000");
        assert!(matches!(c.secret_key, SecretKeySource::File(_)));
    }

    #[test]
    fn bad_values_name_the_variable() {
        let e = config(&[("LEPTOS_SITE_ADDR", "nonsense")]).unwrap_err();
        assert_eq!(e.var, "LEPTOS_SITE_ADDR");
        let e = config(&[("DATABASE_URL", "mysql://x")]).unwrap_err();
        assert_eq!(e.var, "DATABASE_URL");
        let e = config(&[("ROSTER_PUBLIC_URL", "roster.example.com")]).unwrap_err();
        assert!(e.to_string().contains("ROSTER_PUBLIC_URL"));
        let e = config(&[("ROSTER_SECRET_KEY", "abc")]).unwrap_err();
        assert_eq!(e.var, "ROSTER_SECRET_KEY");
        let e = config(&[("ROSTER_LOG", "yaml:info")]).unwrap_err();
        assert_eq!(e.var, "ROSTER_LOG");
        let e = config(&[("ROSTER_TRUSTED_PROXIES", "10.0.0.0/8,proxy.local")]).unwrap_err();
        assert_eq!(e.var, "ROSTER_TRUSTED_PROXIES");
        assert!(e.to_string().contains("proxy.local"), "{e}");
        let e = config(&[("ROSTER_OUTBOX_LEASE_SECS", "0")]).unwrap_err();
        assert_eq!(e.var, "ROSTER_OUTBOX_LEASE_SECS");
        let e = config(&[("ROSTER_METRICS_ADDR", "9100")]).unwrap_err();
        assert_eq!(e.var, "ROSTER_METRICS_ADDR");
    }

    #[test]
    fn metrics_are_off_and_the_outbox_lease_is_two_minutes_unless_set() {
        let c = config(&[]).unwrap();
        assert_eq!((c.metrics_addr, c.outbox_lease_secs), (None, 120));
        let c = config(&[
            ("ROSTER_METRICS_ADDR", "127.0.0.1:9100"),
            ("ROSTER_OUTBOX_LEASE_SECS", "5"),
        ])
        .unwrap();
        assert_eq!(c.metrics_addr, Some("127.0.0.1:9100".parse().unwrap()));
        assert_eq!(c.outbox_lease_secs, 5);
    }

    #[test]
    fn trusted_proxies_default_to_none() {
        assert!(config(&[]).unwrap().trusted_proxies.is_empty());
        let c = config(&[("ROSTER_TRUSTED_PROXIES", "127.0.0.1/32,10.0.0.0/8,::1/128")]).unwrap();
        assert_eq!(c.trusted_proxies.len(), 3);
    }

    #[test]
    fn webhook_allow_list() {
        assert_eq!(config(&[]).unwrap().webhook_allow, Default::default());
        let c = config(&[("ROSTER_WEBHOOK_ALLOW", "127.0.0.1, hooks.internal,10.0.0.0/8")]).unwrap();
        assert_ne!(c.webhook_allow, Default::default());
        let e = config(&[("ROSTER_WEBHOOK_ALLOW", "http://x/")]).unwrap_err();
        assert_eq!(e.var, "ROSTER_WEBHOOK_ALLOW");
    }

    #[test]
    fn log_format_prefix() {
        let l = parse_log(Some("json:debug,sqlx=warn")).unwrap();
        assert!(l.json);
        assert_eq!(l.filter, "debug,sqlx=warn");
        assert!(!parse_log(Some("info")).unwrap().json);
    }

    #[test]
    fn secret_key_forms() {
        assert_eq!(parse_secret_key(&"ab".repeat(32)).unwrap()[0], 0xab);
        assert_eq!(
            parse_secret_key(&format!(" {}\n", "0F".repeat(32))).unwrap(),
            [0x0f; 32]
        );
        assert!(parse_secret_key("c2hvcnQ=").unwrap_err().contains("32 bytes"));
    }

    #[test]
    fn key_file_is_created_owner_only_and_reused() {
        let dir = std::env::temp_dir().join(format!("roster-key-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("secret.key");
        let _ = std::fs::remove_file(&path);
        let first = load_or_create_secret_key(&path).unwrap();
        assert_eq!(load_or_create_secret_key(&path).unwrap(), first);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
