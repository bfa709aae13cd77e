//! (ssr) Integration rules: what a valid integration is (addresses, an https URL that passes
//! the SSRF check, headers), its secrets sealed at rest, Send test, its deliveries and
//! Redeliver, and rotating a webhook's signing secret.

use super::store::{self, IntegrationRow, NewIntegration, HEADERS_PURPOSE, SECRET_PURPOSE, URL_PURPOSE};
use super::{guard, DeliveryInfo, IntegrationForm, IntegrationInfo, IntegrationKind, Saved};
use crate::activity::store::{self as activity, Event};
use crate::context::Ctx;
use crate::crypto;
use crate::domain::{AppError, Email, FieldError};
use crate::triggers::event::{new_event_id, RETRY_WINDOW_SECS};
use crate::triggers::queue;
use serde_json::json;

/// The old secret keeps signing beside the new one this long after a rotation.
pub const ROTATION_OVERLAP_SECS: i64 = 24 * 3600;
const MAX_EMAILS: usize = 20;
const MAX_HEADERS: usize = 10;
/// Headers Roster sets itself.
const RESERVED_HEADERS: &[&str] = &[
    "host",
    "content-length",
    "content-type",
    "transfer-encoding",
    "connection",
    "roster-signature",
    "roster-event-id",
];

pub async fn list(ctx: &Ctx) -> Result<Vec<IntegrationInfo>, AppError> {
    Ok(store::list(&ctx.state.db.pool).await?.iter().map(info).collect())
}

fn info(row: &IntegrationRow) -> IntegrationInfo {
    let target = match row.kind {
        IntegrationKind::Email => row.emails.replace(',', ", "),
        IntegrationKind::Slack => "Slack incoming webhook (saved, never shown)".into(),
        IntegrationKind::Webhook => format!("{} {}", row.method, row.url),
    };
    IntegrationInfo {
        id: row.id,
        kind: row.kind,
        name: row.name.clone(),
        target,
        paused: row.status == "paused",
    }
}

/// What a valid form becomes (secrets still in clear: sealed on insert).
struct Parsed {
    kind: IntegrationKind,
    name: String,
    emails: String,
    url: String,
    method: &'static str,
    headers: Vec<(String, String)>,
}

async fn parse(ctx: &Ctx, form: &IntegrationForm) -> Result<Parsed, AppError> {
    let mut errors = Vec::new();
    let kind = IntegrationKind::from_code(form.kind.trim());
    if kind.is_none() {
        errors.push(FieldError::new("kind", "Choose Email, Slack or Webhook."));
    }
    let name = form.name.trim().to_string();
    if name.is_empty() {
        errors.push(FieldError::new("name", "Enter a name for the integration."));
    } else if name.chars().count() > 100 || name.chars().any(char::is_control) {
        errors.push(FieldError::new(
            "name",
            "Use at most 100 characters, without control characters.",
        ));
    }
    let mut parsed = Parsed {
        kind: kind.unwrap_or(IntegrationKind::Email),
        name,
        emails: String::new(),
        url: String::new(),
        method: "POST",
        headers: Vec::new(),
    };
    match kind {
        Some(IntegrationKind::Email) => match parse_emails(&form.emails) {
            Ok(list) => parsed.emails = list,
            Err(e) => errors.push(e),
        },
        Some(IntegrationKind::Slack | IntegrationKind::Webhook) => {
            match guard::check(&form.url, &ctx.state.config.webhook_allow).await {
                Ok(checked) => parsed.url = checked.url.to_string(),
                Err(refused) => errors.push(FieldError::new("url", refused.message)),
            }
            if kind == Some(IntegrationKind::Webhook) {
                match form.method.trim() {
                    "" | "POST" => parsed.method = "POST",
                    "PUT" => parsed.method = "PUT",
                    _ => errors.push(FieldError::new("method", "Choose POST or PUT.")),
                }
                match parse_headers(&form.headers) {
                    Ok(headers) => parsed.headers = headers,
                    Err(e) => errors.push(e),
                }
            }
        }
        None => {}
    }
    if errors.is_empty() {
        Ok(parsed)
    } else {
        Err(AppError::Invalid(errors))
    }
}

fn parse_emails(raw: &str) -> Result<String, FieldError> {
    let mut list: Vec<String> = Vec::new();
    for part in raw.split([',', ';', ' ', '\n', '\r', '\t']).filter(|p| !p.is_empty()) {
        let email = Email::parse(part).map_err(|e| FieldError::new("emails", format!("{part}: {}", e.message)))?;
        if !list.iter().any(|e| e == email.as_str()) {
            list.push(email.as_str().to_string());
        }
    }
    if list.is_empty() {
        return Err(FieldError::new("emails", "Enter at least one email address."));
    }
    if list.len() > MAX_EMAILS {
        return Err(FieldError::new(
            "emails",
            format!("Enter at most {MAX_EMAILS} addresses."),
        ));
    }
    Ok(list.join(","))
}

/// `Name: value` lines.
fn parse_headers(raw: &str) -> Result<Vec<(String, String)>, FieldError> {
    let bad = |m: String| FieldError::new("headers", m);
    let mut headers = Vec::new();
    for line in raw.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| bad(format!("\"{line}\": write each header as Name: value.")))?;
        let (name, value) = (name.trim(), value.trim());
        if http::HeaderName::from_bytes(name.as_bytes()).is_err() || http::HeaderValue::from_str(value).is_err() {
            return Err(bad(format!("\"{name}\" is not a valid header.")));
        }
        if RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
            return Err(bad(format!("Roster sets {name} itself.")));
        }
        headers.push((name.to_string(), value.to_string()));
    }
    if headers.len() > MAX_HEADERS {
        return Err(bad(format!("Use at most {MAX_HEADERS} headers.")));
    }
    Ok(headers)
}

/// A signing secret: `whsec_` and 64 hex digits.
fn new_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("whsec_{}", hex::encode(bytes))
}

/// Adds an integration; a webhook's signing secret is in the answer, and only there.
pub async fn create(ctx: &Ctx, form: &IntegrationForm) -> Result<Saved, AppError> {
    let p = parse(ctx, form).await?;
    let key = ctx.state.config.key();
    let secret = (p.kind == IntegrationKind::Webhook).then(new_secret);
    let secret_enc = secret.as_ref().map(|s| crypto::seal(key, SECRET_PURPOSE, s));
    let url_enc = (p.kind == IntegrationKind::Slack).then(|| crypto::seal(key, URL_PURPOSE, &p.url));
    let headers_enc = (!p.headers.is_empty()).then(|| {
        let json = serde_json::to_string(&p.headers).expect("headers serialise");
        crypto::seal(key, HEADERS_PURPOSE, &json)
    });
    // A Slack URL is itself the credential: only its sealed form is stored.
    let url = if p.kind == IntegrationKind::Webhook {
        p.url.as_str()
    } else {
        ""
    };
    let new = NewIntegration {
        kind: p.kind,
        name: &p.name,
        emails: &p.emails,
        url,
        url_enc: url_enc.as_deref(),
        method: p.method,
        headers_enc: headers_enc.as_deref(),
        secret_enc: secret_enc.as_deref(),
        created_by: ctx.actor.id.0,
        now: ctx.now,
    };
    let mut tx = ctx.state.db.begin().await?;
    let id = store::insert(&mut *tx, &new).await?;
    let after = json!({ "kind": p.kind.code(), "name": p.name, "emails": p.emails, "url": url, "method": p.method,
                        "headers": p.headers.iter().map(|(n, _)| n).collect::<Vec<_>>() });
    record(
        &mut tx,
        ctx,
        "integration.created",
        id,
        &p.name,
        json!({ "before": null, "after": after }),
    )
    .await?;
    tx.commit().await?;
    Ok(Saved { id, secret })
}

async fn record(
    tx: &mut crate::db::Tx<'_>,
    ctx: &Ctx,
    action: &str,
    id: i64,
    name: &str,
    details: serde_json::Value,
) -> Result<(), AppError> {
    let event = Event {
        action,
        object_type: "integration",
        object_id: Some(id),
        object_name: name,
        details,
    };
    activity::record_event(&mut *tx, ctx, event).await?;
    Ok(())
}

async fn find(ctx: &Ctx, id: i64) -> Result<IntegrationRow, AppError> {
    store::find(&ctx.state.db.pool, id)
        .await?
        .ok_or_else(|| AppError::NotFound("There is no such integration.".into()))
}

pub async fn delete(ctx: &Ctx, id: i64) -> Result<(), AppError> {
    let row = find(ctx, id).await?;
    let mut tx = ctx.state.db.begin().await?;
    if !store::delete(&mut *tx, id).await? {
        return Err(AppError::NotFound("There is no such integration.".into()));
    }
    record(
        &mut tx,
        ctx,
        "integration.deleted",
        id,
        &row.name,
        json!({ "before": { "kind": row.kind.code() }, "after": null }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A new signing secret, shown once; the old one goes on signing beside it for a day.
pub async fn rotate_secret(ctx: &Ctx, id: i64) -> Result<Saved, AppError> {
    let row = find(ctx, id).await?;
    if row.kind != IntegrationKind::Webhook {
        return Err(AppError::Conflict("Only a webhook has a signing secret.".into()));
    }
    let secret = new_secret();
    let sealed = crypto::seal(ctx.state.config.key(), SECRET_PURPOSE, &secret);
    let mut tx = ctx.state.db.begin().await?;
    store::rotate_secret(
        &mut *tx,
        id,
        &sealed,
        row.secret_enc.as_deref(),
        ctx.now + ROTATION_OVERLAP_SECS,
        ctx.now,
    )
    .await?;
    record(
        &mut tx,
        ctx,
        "integration.secret_rotated",
        id,
        &row.name,
        json!({ "secret": "changed" }),
    )
    .await?;
    tx.commit().await?;
    Ok(Saved {
        id,
        secret: Some(secret),
    })
}

pub async fn resume(ctx: &Ctx, id: i64) -> Result<(), AppError> {
    let row = find(ctx, id).await?;
    let mut tx = ctx.state.db.begin().await?;
    store::resume(&mut *tx, id, ctx.now).await?;
    record(
        &mut tx,
        ctx,
        "integration.resumed",
        id,
        &row.name,
        json!({ "before": { "status": row.status }, "after": { "status": "active" } }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Sends a test notification now and says what the receiver answered (an email integration:
/// queues a test message to each address).
pub async fn send_test(ctx: &Ctx, id: i64) -> Result<String, AppError> {
    let row = find(ctx, id).await?;
    let body = json!({
        "id": new_event_id(),
        "type": "test",
        "occurred_at": ctx.now,
        "actor": { "id": ctx.actor.id.0, "name": ctx.actor.display_name(), "email": ctx.actor.email },
        "target": null,
        "data": { "test": true },
        "trigger": { "id": null, "name": "Send test" },
    });
    if row.kind == IntegrationKind::Email {
        let (client, console) = super::organisation::message_context(&ctx.state).await?;
        let message = crate::triggers::message::render(&body, &client, &console);
        let mut tx = ctx.state.db.begin().await?;
        for to in row.emails.split(',') {
            crate::mail::outbox::queue(&mut *tx, &message.email(to), ctx.now).await?;
        }
        tx.commit().await?;
        ctx.state.mail.wake_worker();
        return Ok(format!(
            "A test message was queued to {}.",
            row.emails.replace(',', ", ")
        ));
    }
    let event_id = body["id"].as_str().unwrap_or_default().to_string();
    let outcome = super::send::deliver(&ctx.state, &row, &event_id, &body.to_string()).await;
    match outcome {
        super::send::Outcome::Delivered { .. } => Ok(outcome.describe()),
        _ => Err(AppError::Upstream(outcome.describe())),
    }
}

pub async fn deliveries(ctx: &Ctx, id: i64) -> Result<Vec<DeliveryInfo>, AppError> {
    find(ctx, id).await?;
    Ok(queue::recent(&ctx.state.db.pool, id, 50).await?)
}

/// Queues a delivery's event again (same event id and body), for now.
pub async fn redeliver(ctx: &Ctx, integration_id: i64, delivery_id: i64) -> Result<(), AppError> {
    let row = find(ctx, integration_id).await?;
    let mut tx = ctx.state.db.begin().await?;
    let Some(new_id) = queue::redeliver(
        &mut *tx,
        integration_id,
        delivery_id,
        ctx.now,
        ctx.now + RETRY_WINDOW_SECS,
    )
    .await?
    else {
        return Err(AppError::NotFound("There is no such delivery.".into()));
    };
    record(
        &mut tx,
        ctx,
        "integration.redelivered",
        integration_id,
        &row.name,
        json!({ "delivery": delivery_id, "new_delivery": new_id }),
    )
    .await?;
    tx.commit().await?;
    crate::triggers::delivery::wake();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_checked_and_roster_keeps_its_own() {
        assert_eq!(
            parse_headers("Authorization: Bearer x\n\nX-Team: ops").unwrap(),
            vec![
                ("Authorization".to_string(), "Bearer x".to_string()),
                ("X-Team".to_string(), "ops".to_string())
            ]
        );
        assert!(parse_headers("no colon").is_err());
        assert!(parse_headers("Roster-Signature: forged").is_err());
        assert!(parse_headers("Bad Name: x").is_err());
    }

    #[test]
    fn emails_are_parsed_and_deduplicated() {
        assert_eq!(
            parse_emails("A@example.com, b@example.com a@example.com").unwrap(),
            "a@example.com,b@example.com"
        );
        assert!(parse_emails(" ").is_err());
        assert!(parse_emails("not-an-email").is_err());
    }
}
