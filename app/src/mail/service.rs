//! (ssr) Email configuration rules: saving (Global Administrators only, confirmed with their
//! password, every Global Administrator told), reading back without secrets, sending a test
//! email, and building the mailer the outbox worker uses.

use super::config::{self, MailerConfig, StoredSecret, Transport};
use super::store::{self, ConfigRow};
use super::transport::Mailer;
use super::{outbox, templates, EmailSettings, MailerKind, SettingsForm, SmtpSecurity};
use crate::activity::store::{self as activity, Entry, Event};
use crate::auth::limits::{self, Admission, MAIL_TESTS};
use crate::auth::service::confirm_password;
use crate::context::Ctx;
use crate::crypto;
use crate::domain::{AppError, FieldError, Permission};
use crate::state::AppState;
use crate::users::store as users;
use secrecy::ExposeSecret;

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

/// The stored secret with the endpoint it was saved for, for a form that leaves it empty.
fn stored_secret(saved: Option<&MailerConfig>) -> Option<StoredSecret> {
    let saved = saved.filter(|config| !config.secret().is_empty())?;
    Some(StoredSecret {
        endpoint: saved.endpoint(),
        secret: saved.secret().to_string().into(),
    })
}

/// Saves a new configuration (Global Administrators only: whoever controls the mailer reads
/// every invitation link). The actor confirms with their own password, and every Global
/// Administrator is told, through the configuration as it was, who changed it, from where and
/// to which server.
pub async fn save(ctx: &Ctx, form: SettingsForm, current_password: String) -> Result<EmailSettings, AppError> {
    let (state, actor, meta) = (&ctx.state, &ctx.actor, &ctx.meta);
    // Loaded once: it supplies a kept secret, the activity log's "before" and the notice's route.
    let before = store::load_config(&state.db.pool).await?;
    let previous = before.as_ref().and_then(|row| config_from_row(state, row).ok());
    let stored = stored_secret(previous.as_ref());
    let parsed = config::parse(&form, stored.as_ref());
    let password_missing = current_password
        .is_empty()
        .then(|| FieldError::new("current_password", "Enter your own password to confirm this change."));
    let parsed = match (parsed, password_missing) {
        (Ok(parsed), None) => parsed,
        (Ok(_), Some(missing)) => return Err(AppError::Invalid(vec![missing])),
        (Err(mut errors), missing) => {
            errors.extend(missing);
            return Err(AppError::Invalid(errors));
        }
    };
    if !confirm_password(state, &actor.email, current_password).await? {
        return Err(AppError::invalid("current_password", "Your password is not right."));
    }
    let now = ctx.now;
    let row = to_row(state, &parsed, now);
    let secret_changed = stored.as_ref().map(|s| s.secret.expose_secret()) != Some(parsed.secret());
    let previous_endpoint = previous.as_ref().map(|c| c.endpoint().describe());
    let mut tx = state.db.begin().await?;
    store::save_config(&mut *tx, &row, actor.id.0).await?;
    let details = serde_json::json!({
        "before": before.as_ref().map(|b| settings_summary(&public_view(b))),
        "after": settings_summary(&public_view(&row)),
        "secret_changed": secret_changed,
    });
    let event = Event {
        action: "email_config.updated",
        object_type: "settings",
        object_id: None,
        object_name: "Email Configuration",
        details,
    };
    activity::record_event(&mut tx, ctx, event).await?;
    // The first configuration has no previous route, and one through the new route would
    // tell nothing to whoever might have chosen it to read the mail.
    if let (Some(before), Some(before_text)) = (before.as_ref(), previous_endpoint) {
        let after = parsed.endpoint().describe();
        for admin in users::active_global_admin_emails(&mut *tx).await? {
            let notice = templates::mailer_changed(&templates::MailerChanged {
                to: &admin,
                actor: &actor.display_name(),
                actor_email: &actor.email,
                ip: &meta.ip,
                user_agent: &meta.user_agent,
                at: now,
                before: &before_text,
                after: &after,
            });
            let extras = outbox::Extras {
                via_config: Some(before),
                ..Default::default()
            };
            outbox::queue_with(&mut *tx, &notice, extras, state.config.key(), now).await?;
        }
    }
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
        secret_enc: (!secret.is_empty()).then(|| crypto::seal(state.config.key(), SECRET_PURPOSE, secret)),
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

/// Sends a test email to the signed-in admin, without saving anything. A Global
/// Administrator tests the settings in the form (the stored secret fills an empty secret field
/// only for the saved endpoint); an Administrator, who may not change where mail goes, tests
/// the saved configuration. At most a few a minute per admin, each in the activity log, and
/// bounded by the send timeout.
pub async fn send_test(ctx: &Ctx, form: SettingsForm) -> Result<String, AppError> {
    let (state, actor, meta) = (&ctx.state, &ctx.actor, &ctx.meta);
    let saved = store::load_config(&state.db.pool).await?;
    let parsed = if actor.can(Permission::ManageMailer) {
        let saved = saved.as_ref().and_then(|row| config_from_row(state, row).ok());
        config::parse(&form, stored_secret(saved.as_ref()).as_ref()).map_err(AppError::Invalid)?
    } else {
        let saved = saved.as_ref().ok_or_else(|| {
            AppError::Conflict("No email configuration is saved yet: a Global Administrator sets it up.".into())
        })?;
        config_from_row(state, saved).map_err(|e| AppError::Upstream(format!("The test email was not sent: {e}")))?
    };
    match limits::reserve(state, &[(MAIL_TESTS, &actor.id.0.to_string())]).await? {
        Admission::Reserved(reservation) => limits::keep(reservation),
        Admission::Refused { .. } => {
            return Err(AppError::RateLimited(format!(
                "You can send {} test emails a minute. Wait a minute and try again.",
                MAIL_TESTS.max
            )))
        }
    }
    let endpoint = parsed.endpoint().describe();
    let result = match Mailer::new(&parsed) {
        Ok(mailer) => {
            mailer
                .send(&templates::test_message(&actor.email, parsed.kind.label()))
                .await
        }
        Err(error) => Err(error),
    };
    let details = serde_json::json!({
        "to": actor.email, "through": endpoint, "error": result.as_ref().err(),
    });
    activity::record_alone(
        &state.db,
        &Entry {
            at: state.clock.now(),
            actor_id: Some(actor.id.0),
            actor_name: &actor.display_name(),
            actor_email: &actor.email,
            action: "email_config.test_sent",
            object_type: "settings",
            object_name: "Email Configuration",
            success: result.is_ok(),
            ip: &meta.ip,
            user_agent: &meta.user_agent,
            details: details.to_string(),
            ..Entry::default()
        },
    )
    .await?;
    match result {
        Ok(()) => Ok(format!("Test email sent to {}.", actor.email)),
        Err(error) => Err(AppError::Upstream(format!("The test email was not sent: {error}"))),
    }
}

/// A mailer for a configuration other than the current one (not cached: such sends are rare).
pub fn one_off_mailer(state: &AppState, row: &ConfigRow) -> Result<Mailer, String> {
    Mailer::new(&config_from_row(state, row)?)
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
        Some(sealed) => crypto::open(state.config.key(), SECRET_PURPOSE, sealed).ok_or(
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
