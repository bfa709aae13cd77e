//! (ssr) Email configuration rules: saving (validated, secrets sealed), reading back without
//! secrets, sending a test email, and building the mailer the outbox worker uses.

use super::config::{self, MailerConfig, SettingsForm, Transport};
use super::store::{self, ConfigRow};
use super::transport::Mailer;
use super::{templates, EmailSettings, MailerKind, SmtpSecurity};
use crate::activity::store::{self as activity, Action};
use crate::auth::Me;
use crate::context::RequestMeta;
use crate::crypto;
use crate::domain::AppError;
use crate::state::AppState;

/// Binds sealed secrets to this table, so they open nowhere else.
const SECRET_PURPOSE: &str = "email_config.secret";

/// The saved settings without the secret; `None` until an admin saves some.
pub async fn settings(state: &AppState) -> Result<Option<EmailSettings>, AppError> {
    Ok(store::load_config(&state.db.pool).await?.map(|row| public_view(&row)))
}

fn public_view(row: &ConfigRow) -> EmailSettings {
    EmailSettings {
        kind: MailerKind::from_code(&row.kind).unwrap_or(MailerKind::Smtp),
        sender_address: row.sender_address.clone(),
        sender_name: row.sender_name.clone(),
        host: row.host.clone(),
        port: u16::try_from(row.port).unwrap_or(0),
        security: SmtpSecurity::from_code(&row.security).unwrap_or(SmtpSecurity::ImplicitTls),
        username: row.username.clone(),
        secret_set: row.secret_enc.is_some(),
        aws_region: row.aws_region.clone(),
        aws_access_key: row.aws_access_key.clone(),
        endpoint_url: row.endpoint_url.clone(),
        updated_at: row.updated_at,
    }
}

/// The stored secret with its mailer type, for a form that leaves the secret empty.
fn stored_secret(state: &AppState, row: Option<&ConfigRow>) -> Option<(MailerKind, String)> {
    let row = row?;
    let secret = crypto::open(&state.config.secret_key, SECRET_PURPOSE, row.secret_enc.as_deref()?)?;
    Some((MailerKind::from_code(&row.kind)?, secret))
}

pub async fn save(
    state: &AppState,
    actor: &Me,
    form: SettingsForm,
    meta: &RequestMeta,
) -> Result<EmailSettings, AppError> {
    // Loaded once: it supplies a kept secret and the activity log's "before".
    let before = store::load_config(&state.db.pool).await?;
    let stored = stored_secret(state, before.as_ref());
    let parsed = config::parse(&form, stored.clone()).map_err(AppError::Invalid)?;
    let now = state.clock.now();
    let row = to_row(state, &parsed, now);
    let secret_changed = stored.map(|(_, secret)| secret).as_deref() != Some(parsed.secret());
    let mut tx = state.db.begin().await?;
    store::save_config(&mut *tx, &row, actor.id.0).await?;
    let details = serde_json::json!({
        "before": before.as_ref().map(|b| settings_summary(&public_view(b))),
        "after": settings_summary(&public_view(&row)),
        "secret_changed": secret_changed,
    });
    activity::record_action(
        &mut *tx,
        Action {
            at: now,
            actor,
            meta,
            action: "email_config.updated",
            object_type: "settings",
            object_id: None,
            object_name: "Email Configuration",
            details,
        },
    )
    .await?;
    tx.commit().await?;
    // Mail that waited for a configuration can go now.
    state.mail.wake_worker();
    Ok(public_view(&row))
}

/// What the activity log keeps of a configuration: everything but the secret.
fn settings_summary(s: &EmailSettings) -> serde_json::Value {
    serde_json::json!({
        "type": s.kind.label(), "sender": s.sender_address, "sender_name": s.sender_name,
        "host": s.host, "port": s.port, "security": s.security.label(), "username": s.username,
        "region": s.aws_region, "access_key": s.aws_access_key, "endpoint": s.endpoint_url,
    })
}

fn to_row(state: &AppState, config: &MailerConfig, now: i64) -> ConfigRow {
    let secret = config.secret();
    let mut row = ConfigRow {
        kind: config.kind.code().into(),
        sender_address: config.sender.address.as_str().into(),
        sender_name: config.sender.name.clone(),
        host: String::new(),
        port: 0,
        security: SmtpSecurity::ImplicitTls.code().into(),
        username: String::new(),
        secret_enc: (!secret.is_empty()).then(|| crypto::seal(&state.config.secret_key, SECRET_PURPOSE, secret)),
        aws_region: String::new(),
        aws_access_key: String::new(),
        endpoint_url: String::new(),
        updated_at: now,
    };
    match &config.transport {
        Transport::Smtp(smtp) => {
            row.host = smtp.host.clone();
            row.port = i64::from(smtp.port);
            row.security = smtp.security.code().into();
            row.username = smtp.username.clone();
        }
        Transport::Ses(ses) => {
            row.aws_region = ses.region.clone();
            row.aws_access_key = ses.access_key.clone();
            row.endpoint_url = ses.endpoint_url.clone().unwrap_or_default();
        }
    }
    row
}

/// Sends a test email to the signed-in admin with the settings in the form (the stored secret
/// fills an empty secret field), without saving them. Bounded by the send timeout.
pub async fn send_test(state: &AppState, actor: &Me, form: SettingsForm) -> Result<String, AppError> {
    let saved = store::load_config(&state.db.pool).await?;
    let parsed = config::parse(&form, stored_secret(state, saved.as_ref())).map_err(AppError::Invalid)?;
    let mailer = Mailer::new(&parsed).map_err(|e| AppError::Upstream(format!("The test email was not sent: {e}")))?;
    let message = templates::test_message(&actor.email, parsed.kind.label());
    match mailer.send(&message).await {
        Ok(()) => Ok(format!("Test email sent to {}.", actor.email)),
        Err(error) => Err(AppError::Upstream(format!("The test email was not sent: {error}"))),
    }
}

/// The mailer for the saved configuration: `None` when nothing is configured, `Some(Err)` when
/// the saved configuration cannot be used (for example, the secret key changed).
pub async fn current_mailer(state: &AppState) -> Result<Option<Result<Mailer, String>>, sqlx::Error> {
    let Some(row) = store::load_config(&state.db.pool).await? else {
        return Ok(None);
    };
    let version = format!("{row:?}");
    Ok(Some(
        state
            .mail
            .mailers
            .get_or_build(&version, || config_from_row(state, &row)),
    ))
}

fn config_from_row(state: &AppState, row: &ConfigRow) -> Result<MailerConfig, String> {
    let secret = match row.secret_enc.as_deref() {
        Some(sealed) => crypto::open(&state.config.secret_key, SECRET_PURPOSE, sealed).ok_or(
            "the saved mail password cannot be decrypted: ROSTER_SECRET_KEY changed; save the email configuration again",
        )?,
        None => String::new(),
    };
    let form = SettingsForm {
        kind: row.kind.clone(),
        sender_address: row.sender_address.clone(),
        sender_name: row.sender_name.clone(),
        host: row.host.clone(),
        port: row.port.to_string(),
        security: row.security.clone(),
        username: row.username.clone(),
        secret,
        aws_region: row.aws_region.clone(),
        aws_access_key: row.aws_access_key.clone(),
        endpoint_url: row.endpoint_url.clone(),
    };
    config::parse(&form, None).map_err(|errors| {
        let messages: Vec<String> = errors.into_iter().map(|e| e.message).collect();
        format!("the saved email configuration is invalid: {}", messages.join(" "))
    })
}

/// True when some mailer is saved; inviting by email needs one.
pub async fn is_configured(state: &AppState) -> Result<bool, AppError> {
    Ok(store::has_config(&state.db.pool).await?)
}
