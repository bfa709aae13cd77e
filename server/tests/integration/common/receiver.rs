//! A real HTTP receiver on loopback for webhook and Slack deliveries: it keeps every request
//! and answers with the status the test sets (200 unless told otherwise).

use super::TestApp;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Clone, Debug)]
pub struct Received {
    pub method: Method,
    pub path: String,
    pub headers: HeaderMap,
    pub body: String,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }

    pub fn json(&self) -> serde_json::Value {
        super::json(&self.body)
    }
}

#[derive(Default)]
struct Inner {
    requests: Mutex<Vec<Received>>,
    status: AtomicU16,
}

pub struct Receiver {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    inner: Arc<Inner>,
    task: tokio::task::JoinHandle<()>,
}

async fn receive(
    State(inner): State<Arc<Inner>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    inner.requests.lock().unwrap().push(Received {
        method,
        path: uri.path().to_string(),
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    StatusCode::from_u16(inner.status.load(Ordering::SeqCst)).unwrap_or(StatusCode::OK)
}

impl Receiver {
    pub async fn start() -> Receiver {
        let inner = Arc::new(Inner::default());
        inner.status.store(200, Ordering::SeqCst);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let router = axum::Router::new().fallback(receive).with_state(inner.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Receiver { base, inner, task }
    }

    /// From now on every request is answered with `status`.
    pub fn answer_with(&self, status: u16) {
        self.inner.status.store(status, Ordering::SeqCst);
    }

    pub fn received(&self) -> Vec<Received> {
        self.inner.requests.lock().unwrap().clone()
    }

    /// Waits (at most 20 s) until `n` requests arrived; returns them all.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..200 {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("expected {n} requests, got {:?}", self.received());
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// As `ROSTER_WEBHOOK_ALLOW=127.0.0.1` would: integrations may reach the loopback receiver.
pub fn allow_loopback(app: &mut TestApp) {
    let allow = app::integrations::guard::AllowList::parse("127.0.0.1").unwrap();
    let config = app::state::RuntimeConfig::new(app.state.config.public_url.clone(), *app.state.config.key())
        .with_trusted_proxies(app.state.config.trusted_proxies.clone())
        .with_webhook_allow(allow);
    app.state.config = Arc::new(config);
    app.router = server::router(app.state.clone());
}

/// Checks `Roster-Signature` as a receiver would: the timestamp within 5 minutes of `now`, and
/// one `v1=` equal to HMAC-SHA256(secret, "t.body"). Returns the timestamp.
pub fn verify_signature(header: &str, secret: &str, body: &str, now: i64) -> Result<i64, String> {
    use hmac::{Hmac, Mac};
    let mut t = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok(),
            Some(("v1", v)) => signatures.push(v.to_string()),
            _ => {}
        }
    }
    let t = t.ok_or("no timestamp")?;
    if (now - t).abs() > 300 {
        return Err(format!("timestamp {t} is more than 5 minutes from {now}"));
    }
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    let expected = hex::encode(mac.finalize().into_bytes());
    if signatures.contains(&expected) {
        Ok(t)
    } else {
        Err(format!("no v1 signature matches ({header})"))
    }
}
