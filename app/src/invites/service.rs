//! (ssr) Invitation rules: who may invite whom, one live invitation per email, single-use
//! links checked for expiry at use time, and signup.

use super::store::{self, InviteRecord, NewInvite};
use super::{
    InviteDelivery, InviteForm, InviteLifetime, InviteLink, LinkProblem, LinkState, PendingInvite, SignupForm,
    SignupInfo,
};
use crate::activity::store::{self as activity, Entry, Event};
use crate::auth::secrets::{hash_password, random_token, token_hash};
use crate::auth::service::{check_new_password, collect, public_url, start_session, NewSessionCookie};
use crate::auth::Me;
use crate::context::{Ctx, RequestMeta};
use crate::db::is_unique_violation;
use crate::domain::{may_grant, AppError, Email, FieldError, InviteStatus, Permission, PersonName, Role};
use crate::mail::{outbox, templates, Delivery};
use crate::state::AppState;
use crate::users::accounts::{self, NewUser};

/// Optional prefilled name: empty is fine, otherwise the usual name rules.
fn optional_name(field: &'static str, label: &str, raw: &str) -> Result<String, FieldError> {
    if raw.trim().is_empty() {
        Ok(String::new())
    } else {
        PersonName::parse(field, label, raw).map(|name| name.as_str().to_string())
    }
}

/// Only Global Administrators may invite (or act on invitations for) Global Administrators.
fn check_may_grant(actor: &Me, role: Role) -> Result<(), AppError> {
    if role == Role::GlobalAdministrator && !actor.can(Permission::ManageGlobalAdmins) {
        return Err(AppError::Forbidden(
            "Only a Global Administrator can invite a Global Administrator.".into(),
        ));
    }
    Ok(())
}

pub async fn create_invite(ctx: &Ctx, form: InviteForm) -> Result<InviteLink, AppError> {
    let (state, actor) = (&ctx.state, &ctx.actor);
    let mut errors = Vec::new();
    let email = collect(Email::parse(&form.email), &mut errors);
    let role = Role::from_code(&form.role);
    if role.is_none() {
        errors.push(FieldError::new("role", "Choose a role."));
    }
    let lifetime = InviteLifetime::from_code(&form.lifetime);
    if lifetime.is_none() {
        errors.push(FieldError::new("lifetime", "Choose how long the link stays valid."));
    }
    let first_name = collect(optional_name("first_name", "First name", &form.first_name), &mut errors);
    let last_name = collect(optional_name("last_name", "Last name", &form.last_name), &mut errors);
    // An API caller that names no delivery gets a link, as the form's first button does.
    let delivery = match form.delivery.as_str() {
        "" => Some(InviteDelivery::Link),
        code => InviteDelivery::from_code(code),
    };
    if delivery.is_none() {
        errors.push(FieldError::new("", "Choose whether to get a link or send an email."));
    }
    let (Some(email), Some(role), Some(lifetime), Some(first_name), Some(last_name), Some(delivery), true) = (
        email,
        role,
        lifetime,
        first_name,
        last_name,
        delivery,
        errors.is_empty(),
    ) else {
        return Err(AppError::Invalid(errors));
    };
    check_may_grant(actor, role)?;
    check_can_email(state, delivery).await?;
    // Re-inviting replaces the pending invitation, which counts as acting on it.
    if let Some(pending) = store::pending_role(&state.db.pool, email.as_str()).await? {
        check_may_grant(actor, pending)?;
    }
    let base_url = require_public_url(state).await?;
    let now = ctx.now;
    let mut tx = state.db.begin().await?;
    // A write first, so SQLite takes its write lock before the reads below.
    let replaced = store::revoke_pending_for_email(&mut *tx, email.as_str(), now).await?;
    if store::email_has_user(&mut *tx, email.as_str()).await? {
        return Err(AppError::invalid("email", "A user with this email already exists."));
    }
    let draft = Draft {
        email: email.as_str(),
        role,
        first_name: &first_name,
        last_name: &last_name,
        lifetime_secs: lifetime.seconds(),
    };
    let link = match issue(&mut tx, &draft, actor, (&base_url, state.config.key()), delivery, now).await {
        Err(e) if is_unique_violation(&e) => {
            return Err(AppError::Conflict(
                "Another invitation for this email was just created. Try again.".into(),
            ))
        }
        other => other?,
    };
    let details = serde_json::json!({ "role": role.label(), "lifetime": lifetime.label(), "replaced_pending": replaced > 0, "delivery": delivery.code() });
    record(&mut tx, ctx, "invite.created", link.invite_id, email.as_str(), details).await?;
    tx.commit().await?;
    state.mail.wake_worker();
    Ok(link)
}

/// Inviting by email needs a mailer; links work without one.
pub(super) async fn check_can_email(state: &AppState, delivery: InviteDelivery) -> Result<(), AppError> {
    if delivery == InviteDelivery::Email && !crate::mail::service::is_configured(state).await? {
        return Err(AppError::Conflict(
            "No email service is configured, so the invitation cannot be emailed. Set one up in Settings → Email Configuration, or get an invite link instead.".into(),
        ));
    }
    Ok(())
}

/// The parts of an invitation that a renewed link keeps.
pub(super) struct Draft<'a> {
    pub email: &'a str,
    pub role: Role,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub lifetime_secs: i64,
}

/// Stores a pending invitation with a fresh token (kept only as its hash) and either returns the
/// link, the only place the token appears, or queues the email that carries it.
pub(super) async fn issue(
    tx: &mut crate::db::Tx<'_>,
    draft: &Draft<'_>,
    actor: &Me,
    (base_url, key): (&str, &[u8; 32]),
    delivery: InviteDelivery,
    now: i64,
) -> Result<InviteLink, sqlx::Error> {
    let token = random_token();
    let hash = token_hash(&token);
    let expires_at = now + draft.lifetime_secs;
    let url = format!("{base_url}/invite/{token}");
    // An emailed invitation's email is queued first, so the invitation is stored with it in
    // one statement (bulk invitations make this path hot).
    let outbox_id = match delivery {
        InviteDelivery::Link => None,
        InviteDelivery::Email => {
            // The bodies carry a placeholder; the link itself is sealed, so the outbox holds no
            // working link in clear.
            let message = templates::invitation(&templates::Invitation {
                to: draft.email,
                inviter: &actor.display_name(),
                role: draft.role.label(),
                link: outbox::LINK_PLACEHOLDER,
                expires_at,
                first_name: draft.first_name,
            });
            let extras = outbox::Extras {
                link: Some(&url),
                ..Default::default()
            };
            Some(outbox::queue_with(&mut **tx, &message, extras, key, now).await?)
        }
    };
    let invite = NewInvite {
        email: draft.email,
        role: draft.role,
        first_name: draft.first_name,
        last_name: draft.last_name,
        token_hash: &hash,
        invited_by: actor.id.0,
        invited_by_name: &actor.display_name(),
        now,
        expires_at,
        outbox_id,
    };
    let invite_id = store::insert(&mut **tx, &invite).await?;
    Ok(InviteLink {
        invite_id,
        url: outbox_id.is_none().then_some(url),
        emailed_to: outbox_id.map(|_| draft.email.to_string()),
        expires_at,
    })
}

pub(super) async fn require_public_url(state: &AppState) -> Result<String, AppError> {
    public_url(state).await?.ok_or_else(|| {
        AppError::Conflict("The console URL is not set: set ROSTER_PUBLIC_URL so invitation links can be made.".into())
    })
}

pub(super) async fn record(
    tx: &mut crate::db::Tx<'_>,
    ctx: &Ctx,
    action: &str,
    invite_id: i64,
    email: &str,
    details: serde_json::Value,
) -> Result<(), AppError> {
    let event = Event {
        action,
        object_type: "invite",
        object_id: Some(invite_id),
        object_name: email,
        details,
    };
    activity::record_event(tx, ctx, event).await?;
    Ok(())
}

/// Revokes the pending invitations a user sent that `permissions_after` (what they may do after
/// a change: a new role, a group left, disabled or deleted) no longer lets them send. Call in
/// the transaction of the change. `why` completes "Revoked: …", e.g. "Ada Lovelace, who sent
/// it, was disabled."
pub async fn revoke_beyond_authority(
    tx: &mut crate::db::Tx<'_>,
    inviter: i64,
    permissions_after: &[Permission],
    why: &str,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let only_global_admin = if !may_grant(permissions_after, Role::Analyst) {
        false
    } else if !may_grant(permissions_after, Role::GlobalAdministrator) {
        true
    } else {
        return Ok(0);
    };
    store::revoke_sent_by(&mut **tx, inviter, only_global_admin, why, now).await
}

/// Whoever sent an invitation must still be able to send it when it is used: active, and
/// holding (by role or group) the permission to grant its role.
async fn check_inviter_authority(state: &AppState, invite: &InviteRecord) -> Result<(), LinkProblem> {
    let inviter = match invite.invited_by {
        Some(id) => crate::users::service::authority(state, id)
            .await
            .map_err(|_| LinkProblem::Unknown)?,
        None => None,
    };
    let role = invite.role;
    match inviter {
        Some(permissions) if may_grant(&permissions, role) => Ok(()),
        _ => Err(LinkProblem::SenderLostAuthority),
    }
}

/// The state of the invite behind a link, decided now (expiry is checked at use time).
fn link_state(invite: Option<InviteRecord>, now: i64) -> Result<InviteRecord, LinkProblem> {
    let invite = invite.ok_or(LinkProblem::Unknown)?;
    match invite.status {
        InviteStatus::Used => Err(LinkProblem::Used),
        InviteStatus::Revoked => Err(LinkProblem::Revoked),
        _ if now >= invite.expires_at => Err(LinkProblem::Expired),
        _ => Ok(invite),
    }
}

pub async fn open_link(state: &AppState, token: &str) -> Result<LinkState, AppError> {
    let invite = store::find_by_token_hash(&state.db.pool, &token_hash(token)).await?;
    let invite = match link_state(invite, state.clock.now()) {
        Ok(invite) => check_inviter_authority(state, &invite).await.map(|()| invite),
        Err(problem) => Err(problem),
    };
    Ok(match invite {
        Ok(invite) => LinkState::Valid(SignupInfo {
            email: invite.email,
            role: invite.role,
            first_name: invite.first_name,
            last_name: invite.last_name,
            invited_by: invite.invited_by_name,
        }),
        Err(problem) => LinkState::Invalid(problem),
    })
}

/// Creates the invited user with the invited role, consumes the link and signs them in.
pub async fn complete_signup(
    state: &AppState,
    form: SignupForm,
    meta: &RequestMeta,
) -> Result<NewSessionCookie, AppError> {
    let hash = token_hash(&form.token);
    let invite = store::find_by_token_hash(&state.db.pool, &hash).await?;
    let invite = link_state(invite, state.clock.now()).map_err(|p| AppError::Conflict(p.message().into()))?;
    check_inviter_authority(state, &invite)
        .await
        .map_err(|p| AppError::Conflict(p.message().into()))?;
    let mut errors = Vec::new();
    let names = PersonName::parse_full(&form.first_name, &form.last_name, &mut errors);
    check_new_password(&form.password, &form.password_confirm, &mut errors);
    let (Some((first_name, last_name)), true) = (names, errors.is_empty()) else {
        return Err(AppError::Invalid(errors));
    };
    let password_hash = hash_password(form.password).await?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let user = NewUser {
        email: &invite.email,
        first_name: first_name.as_str(),
        last_name: last_name.as_str(),
        password_hash: &password_hash,
        role: invite.role,
        invited_by: invite.invited_by,
        now,
    };
    let user_id = match accounts::insert_user(&mut *tx, &user).await {
        Err(e) if is_unique_violation(&e) => {
            return Err(AppError::Conflict(
                "A user with this email already exists. Sign in instead.".into(),
            ))
        }
        other => other?,
    };
    // Single use: only one signup can flip the invite from pending.
    if !store::mark_used(&mut *tx, invite.id, user_id, now).await? {
        return Err(AppError::Conflict(LinkProblem::Used.message().into()));
    }
    let name = format!("{first_name} {last_name}");
    let role_label = invite.role.label();
    let details =
        serde_json::json!({ "role": role_label, "invited_by": invite.invited_by_name, "invite_id": invite.id });
    let entry = Entry::new_account(now, user_id, &name, &invite.email, "user.added", meta, details);
    activity::record(&mut tx, &entry).await?;
    let console_url = public_url(state).await?.unwrap_or_default();
    let confirmation = templates::account_ready(&templates::AccountReady {
        to: &invite.email,
        first_name: first_name.as_str(),
        role: role_label,
        console_url: &console_url,
    });
    outbox::queue(&mut *tx, &confirmation, now).await?;
    let enrol_only = crate::auth::service::must_enrol(&mut tx, user_id, now).await?;
    let cookie = start_session(&mut tx, user_id, now, meta, enrol_only).await?;
    tx.commit().await?;
    state.mail.wake_worker();
    Ok(cookie)
}

/// Loads a pending invite the actor may act on.
async fn pending_for_actor(state: &AppState, actor: &Me, invite_id: i64) -> Result<InviteRecord, AppError> {
    let invite = store::find(&state.db.pool, invite_id)
        .await?
        .filter(|i| i.status == InviteStatus::Pending)
        .ok_or_else(|| AppError::NotFound("That invitation is no longer pending.".into()))?;
    check_may_grant(actor, invite.role)?;
    Ok(invite)
}

/// A new link (new token, new expiry of the same lifetime) for a pending invite, shown once or
/// emailed; the old link dies.
pub async fn renew(ctx: &Ctx, invite_id: i64, delivery: InviteDelivery) -> Result<InviteLink, AppError> {
    let (state, actor) = (&ctx.state, &ctx.actor);
    let old = pending_for_actor(state, actor, invite_id).await?;
    check_can_email(state, delivery).await?;
    let lifetime = old.expires_at - old.created_at;
    let base_url = require_public_url(state).await?;
    let now = ctx.now;
    let mut tx = state.db.begin().await?;
    if !store::revoke(&mut *tx, old.id, now).await? {
        return Err(AppError::NotFound("That invitation is no longer pending.".into()));
    }
    let draft = Draft {
        email: &old.email,
        role: old.role,
        first_name: &old.first_name,
        last_name: &old.last_name,
        lifetime_secs: lifetime,
    };
    let link = issue(&mut tx, &draft, actor, (&base_url, state.config.key()), delivery, now).await?;
    let details = serde_json::json!({ "previous_invite_id": old.id, "delivery": delivery.code() });
    let action = match delivery {
        InviteDelivery::Link => "invite.link_renewed",
        InviteDelivery::Email => "invite.resent",
    };
    record(&mut tx, ctx, action, link.invite_id, &old.email, details).await?;
    tx.commit().await?;
    state.mail.wake_worker();
    Ok(link)
}

pub async fn revoke(ctx: &Ctx, invite_id: i64) -> Result<(), AppError> {
    let invite = pending_for_actor(&ctx.state, &ctx.actor, invite_id).await?;
    let now = ctx.now;
    let mut tx = ctx.state.db.begin().await?;
    if !store::revoke(&mut *tx, invite.id, now).await? {
        return Err(AppError::NotFound("That invitation is no longer pending.".into()));
    }
    record(
        &mut tx,
        ctx,
        "invite.revoked",
        invite.id,
        &invite.email,
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn list_pending(state: &AppState) -> Result<Vec<PendingInvite>, AppError> {
    // Revoked because the sender lost the right to send them: shown for a week.
    let revoked_since = state.clock.now() - 7 * 24 * 3600;
    let rows = store::list_pending(&state.db.pool, 1000, revoked_since).await?;
    Ok(rows
        .into_iter()
        .map(|r| PendingInvite {
            id: r.id,
            email: r.email,
            role: r.role,
            invited_by: r.invited_by_name,
            created_at: r.created_at,
            expires_at: r.expires_at,
            delivery: Delivery::from_outbox(
                r.mail_status.as_deref(),
                r.mail_attempts.unwrap_or_default(),
                r.mail_error,
                r.mail_sent_at,
            ),
            revoked: r.revoked_reason,
        })
        .collect())
}
