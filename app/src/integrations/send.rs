//! (ssr) Sending one notification to a Slack or webhook integration: the SSRF check, then one
//! HTTP request to the checked addresses only, signed for webhooks. The answer decides what
//! happens next: 2xx delivered; timeouts, connection failures, 5xx and 429 retried; any other
//! answer final.

use super::guard::{self, Checked};
use super::store::{IntegrationRow, HEADERS_PURPOSE, SECRET_PURPOSE, URL_PURPOSE};
use super::IntegrationKind;
use crate::crypto;
use crate::state::AppState;
use hmac::{Hmac, Mac};
use std::time::Duration;

pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// How much of a receiver's answer is kept for the page.
const ANSWER_CHARS: usize = 300;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Delivered {
        status: u16,
        answer: String,
    },
    /// Worth another try later.
    Retry {
        status: Option<u16>,
        error: String,
    },
    /// Trying again cannot help (a 4xx, a refused URL, an unreadable secret).
    Final {
        status: Option<u16>,
        error: String,
    },
}

impl Outcome {
    /// For Send test: the receiver's answer in words.
    pub fn describe(&self) -> String {
        match self {
            Outcome::Delivered { status, answer } => format!("The receiver answered {status}: {answer}"),
            Outcome::Retry { status: Some(s), error } | Outcome::Final { status: Some(s), error } => {
                format!("The receiver answered {s}: {error}")
            }
            Outcome::Retry { status: None, error } | Outcome::Final { status: None, error } => {
                format!("Not delivered: {error}")
            }
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            Outcome::Delivered { status, .. } => Some(*status),
            Outcome::Retry { status, .. } | Outcome::Final { status, .. } => *status,
        }
    }
}

/// `Roster-Signature`: `t=<unix>` then one `v1=<hex HMAC-SHA256 of "t.body">` per secret (two
/// during a rotation), as Stripe does.
pub fn signature(secrets: &[String], t: i64, body: &str) -> String {
    let mut header = format!("t={t}");
    for secret in secrets {
        let mut mac =
            <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
        mac.update(format!("{t}.{body}").as_bytes());
        header.push_str(",v1=");
        header.push_str(&hex::encode(mac.finalize().into_bytes()));
    }
    header
}

/// Sends `body` (the event's JSON) to a Slack or webhook integration.
pub async fn deliver(state: &AppState, integration: &IntegrationRow, event_id: &str, body: &str) -> Outcome {
    match attempt(state, integration, event_id, body).await {
        Ok(outcome) => outcome,
        Err(error) => Outcome::Final { status: None, error },
    }
}

async fn attempt(
    state: &AppState,
    integration: &IntegrationRow,
    event_id: &str,
    body: &str,
) -> Result<Outcome, String> {
    let key = state.config.key();
    let unreadable =
        |what: &str| format!("the {what} cannot be decrypted: ROSTER_SECRET_KEY changed since it was saved");
    let now = state.clock.now();
    let (url, payload, mut headers) = match integration.kind {
        IntegrationKind::Slack => {
            let sealed = integration.url_enc.as_deref().unwrap_or_default();
            let url = crypto::open(key, URL_PURPOSE, sealed).ok_or_else(|| unreadable("Slack URL"))?;
            let event: serde_json::Value = serde_json::from_str(body).map_err(|e| format!("the event: {e}"))?;
            let (client, console) = super::organisation::message_context(state)
                .await
                .map_err(|e| e.to_string())?;
            let text = crate::triggers::message::render(&event, &client, &console).slack_text();
            (url, serde_json::json!({ "text": text }).to_string(), Vec::new())
        }
        IntegrationKind::Webhook => {
            let custom: Vec<(String, String)> = match &integration.headers_enc {
                Some(sealed) => {
                    let json = crypto::open(key, HEADERS_PURPOSE, sealed).ok_or_else(|| unreadable("headers"))?;
                    serde_json::from_str(&json).map_err(|e| format!("the headers: {e}"))?
                }
                None => Vec::new(),
            };
            let mut secrets = Vec::new();
            if let Some(sealed) = &integration.secret_enc {
                secrets.push(crypto::open(key, SECRET_PURPOSE, sealed).ok_or_else(|| unreadable("signing secret"))?);
            }
            if let (Some(sealed), Some(until)) = (&integration.old_secret_enc, integration.old_secret_until) {
                if until > now {
                    if let Some(old) = crypto::open(key, SECRET_PURPOSE, sealed) {
                        secrets.push(old);
                    }
                }
            }
            let mut headers = custom;
            headers.push(("Roster-Event-Id".into(), event_id.to_string()));
            headers.push(("Roster-Signature".into(), signature(&secrets, now, body)));
            (integration.url.clone(), body.to_string(), headers)
        }
        IntegrationKind::Email => return Err("an email integration is not sent over HTTP".into()),
    };
    headers.push(("Content-Type".into(), "application/json".into()));
    let checked = match guard::check(&url, &state.config.webhook_allow).await {
        Ok(checked) => checked,
        Err(refused) if refused.transient => {
            return Ok(Outcome::Retry {
                status: None,
                error: refused.message,
            })
        }
        Err(refused) => return Err(refused.message),
    };
    let method = if integration.method == "PUT" {
        reqwest::Method::PUT
    } else {
        reqwest::Method::POST
    };
    Ok(post(&checked, method, &headers, payload).await)
}

/// One request to the checked addresses, never elsewhere: no proxy, no redirects followed.
async fn post(checked: &Checked, method: reqwest::Method, headers: &[(String, String)], payload: String) -> Outcome {
    let client = reqwest::Client::builder()
        .resolve_to_addrs(&checked.host, &checked.addrs)
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .user_agent("Roster-Webhooks/1")
        .build();
    let client = match client {
        Ok(client) => client,
        Err(e) => {
            return Outcome::Retry {
                status: None,
                error: format!("no HTTP client: {e}"),
            }
        }
    };
    let mut request = client.request(method, checked.url.clone()).body(payload);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let response = match request.send().await {
        Ok(response) => response,
        Err(e) => {
            let what = if e.is_timeout() {
                "timed out"
            } else if e.is_connect() {
                "could not connect"
            } else {
                "request failed"
            };
            return Outcome::Retry {
                status: None,
                error: format!("{what}: {}", error_chain(&e)),
            };
        }
    };
    let status = response.status().as_u16();
    let answer: String = match response.text().await {
        Ok(text) => text.chars().take(ANSWER_CHARS).collect(),
        Err(_) => String::new(),
    };
    let answer = if answer.trim().is_empty() {
        "(no body)".to_string()
    } else {
        answer
    };
    match status {
        200..=299 => Outcome::Delivered { status, answer },
        429 | 500..=599 => Outcome::Retry {
            status: Some(status),
            error: answer,
        },
        _ => Outcome::Final {
            status: Some(status),
            error: answer,
        },
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn signature_is_hmac_of_timestamp_dot_body_for_each_secret() {
        let one = super::signature(&["whsec_a".into()], 1700000000, "{}");
        assert!(one.starts_with("t=1700000000,v1="));
        assert_eq!(one.len(), "t=1700000000,v1=".len() + 64);
        let two = super::signature(&["whsec_a".into(), "whsec_b".into()], 1700000000, "{}");
        assert!(two.starts_with(&one));
        assert_eq!(two.matches(",v1=").count(), 2);
    }
}
