//! The pending-invitations table, a new link's Copy box, and the invitee's signup page (the
//! invite dialogs are in `dialogs.rs`).

use super::api::{CreateInvite, FreshInviteLink, ResendInvite, RevokeInvite};
use super::{InviteLink, LinkState, PendingInvite, SignupInfo};
use crate::auth::view::{passwords_ready, AuthCard, NewPasswordFields};
use crate::auth::Me;
use crate::domain::{AppError, Permission};
use crate::mail::Delivery;
use crate::ui::{action_error, format_utc, on_done, suspense_body, Confirm, Field, FormError, LoadError, Toasts};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// Shared by the invite dialogs and the pending table: making a link refreshes the list.
#[derive(Clone, Copy)]
pub struct InviteActions {
    /// Send invite (a link, or an email).
    pub create: ServerAction<CreateInvite>,
    /// Add new user (names given, always emailed).
    pub add: ServerAction<CreateInvite>,
    pub fresh: ServerAction<FreshInviteLink>,
    pub resend: ServerAction<ResendInvite>,
    pub revoke: ServerAction<RevokeInvite>,
}

impl InviteActions {
    pub fn new() -> Self {
        InviteActions {
            create: ServerAction::new(),
            add: ServerAction::new(),
            fresh: ServerAction::new(),
            resend: ServerAction::new(),
            revoke: ServerAction::new(),
        }
    }
}

impl Default for InviteActions {
    fn default() -> Self {
        Self::new()
    }
}

/// A link shown once, with a Copy button; or, for an emailed invitation, where it went.
#[component]
pub fn LinkBox(link: InviteLink) -> impl IntoView {
    let Some(url) = link.url.clone() else {
        let to = link.emailed_to.clone().unwrap_or_default();
        return view! {
            <div class="link-box" role="status">
                <p>"Invitation email queued for " <strong>{to}</strong> ". The link expires " {format_utc(link.expires_at)} "."</p>
                <p class="hint">"Its delivery status is shown in the pending invitations below."</p>
            </div>
        }
        .into_any();
    };
    let copied = RwSignal::new(false);
    let shown = url.clone();
    let field_id = format!("invite-link-{}", link.invite_id);
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let promise = window().navigator().clipboard().write_text(&url);
            leptos::task::spawn_local(async move {
                if wasm_bindgen_futures::JsFuture::from(promise).await.is_ok() {
                    copied.set(true);
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &url;
    };
    view! {
        <div class="link-box" role="status">
            <p>"Copy this link now; it is shown only once. It expires " {format_utc(link.expires_at)} "."</p>
            <label for=field_id.clone()>"Invite link"</label>
            <div class="link-row">
                <input id=field_id type="text" readonly value=shown/>
                <button type="button" class="secondary" on:click=copy>
                    {move || if copied.get() { "Copied" } else { "Copy" }}
                </button>
            </div>
        </div>
    }
    .into_any()
}

/// The Pending tab: invitations not yet used, with a fresh link or revoke for each.
#[component]
pub fn PendingInvites(
    actions: InviteActions,
    /// Whether the list is on screen: it is only fetched then (the users page renders it,
    /// hidden, on every tab).
    #[prop(into)]
    shown: Signal<bool>,
) -> impl IntoView {
    let me = expect_context::<Me>();
    let can_manage = me.can(Permission::ManageUsers);
    let invites = Resource::new(
        move || {
            (
                shown.get(),
                actions.create.version().get(),
                actions.add.version().get(),
                actions.fresh.version().get(),
                actions.resend.version().get(),
                actions.revoke.version().get(),
            )
        },
        |(shown, ..)| async move {
            if shown {
                super::api::list_pending_invites().await
            } else {
                Ok(Vec::new())
            }
        },
    );
    let fresh_link = move || actions.fresh.value().get().and_then(Result::ok);
    let fresh_error = action_error(actions.fresh);
    announce(actions);
    view! {
        <section class="panel">
            <h2>"Pending invitations"</h2>
            <FormError error=fresh_error/>
            {move || fresh_link().map(|link| view! { <LinkBox link=link/> })}
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {suspense_body(move || Suspend::new(async move {
                    match invites.await {
                        Ok(list) if list.is_empty() => view! { <p class="empty">"No pending invitations."</p> }.into_any(),
                        Ok(list) => view! { <PendingTable list=list can_manage=can_manage actions=actions/> }.into_any(),
                        Err(e) => view! { <LoadError error=e/> }.into_any(),
                    }
                }))}
            </Transition>
        </section>
    }
}

/// Toasts for Resend and Revoke (a fresh link shows in its Copy box instead).
fn announce(actions: InviteActions) {
    let Some(toasts) = Toasts::get() else { return };
    let report = move |result: Result<String, AppError>| match result {
        Ok(message) => toasts.success(message),
        Err(error) => toasts.error(error.to_string()),
    };
    on_done(actions.resend, move |_, result| {
        report(result.map(|link| format!("Invitation email queued for {}", link.emailed_to.unwrap_or_default())))
    });
    on_done(actions.revoke, move |_, result| {
        report(result.map(|()| "Invitation revoked: its link no longer works.".to_string()))
    });
}

#[component]
fn PendingTable(list: Vec<PendingInvite>, can_manage: bool, actions: InviteActions) -> impl IntoView {
    view! {
        <div class="table-scroll">
        <table class="table">
            <thead>
                <tr>
                    <th>"Email"</th>
                    <th>"Role"</th>
                    <th>"Invited by"</th>
                    <th>"Sent"</th>
                    <th>"Expires"</th>
                    <th>"Email"</th>
                    {can_manage.then(|| view! { <th>"Actions"</th> })}
                </tr>
            </thead>
            <tbody>
                {list
                    .into_iter()
                    .map(|invite| view! { <PendingRow invite=invite can_manage=can_manage actions=actions/> })
                    .collect_view()}
            </tbody>
        </table>
        </div>
    }
}

#[component]
fn PendingRow(invite: PendingInvite, can_manage: bool, actions: InviteActions) -> impl IntoView {
    let id = invite.id.to_string();
    let email = invite.email.clone();
    if let Some(why) = invite.revoked.clone() {
        // The link no longer works; a new invitation comes from someone who may send it.
        return view! {
            <tr class="revoked">
                <td>{invite.email.clone()}</td>
                <td>{invite.role.label()}</td>
                <td>{invite.invited_by.clone()}</td>
                <td>{format_utc(invite.created_at)}</td>
                <td colspan="2"><span class="status-failed">{format!("Revoked: {why} Invite them again to send a new link.")}</span></td>
                {can_manage.then(|| view! { <td></td> })}
            </tr>
        }
        .into_any();
    }
    let manage = can_manage.then(|| {
        let id_revoke = StoredValue::new(id.clone());
        let id_resend = id.clone();
        view! {
            <td class="actions">
                <ActionForm action=actions.fresh>
                    <input type="hidden" name="invite_id" value=id.clone()/>
                    <button type="submit" class="link-button">"Copy fresh link"</button>
                </ActionForm>
                <ActionForm action=actions.resend>
                    <input type="hidden" name="invite_id" value=id_resend/>
                    <button type="submit" class="link-button">"Resend email"</button>
                </ActionForm>
                <Confirm
                    label="Revoke"
                    question=format!("Revoke the invitation for {email}? Its link stops working.")
                >
                    <ActionForm action=actions.revoke>
                        <input type="hidden" name="invite_id" value=id_revoke.get_value()/>
                        <button type="submit" class="link-button danger">"Revoke invitation"</button>
                    </ActionForm>
                </Confirm>
            </td>
        }
        .into_any()
    });
    view! {
        <tr>
            <td>{invite.email.clone()}</td>
            <td>{invite.role.label()}</td>
            <td>{invite.invited_by.clone()}</td>
            <td>{format_utc(invite.created_at)}</td>
            <td>{format_utc(invite.expires_at)}</td>
            <td>{delivery_cell(invite.delivery.clone())}</td>
            {manage}
        </tr>
    }
    .into_any()
}

fn delivery_cell(delivery: Option<Delivery>) -> impl IntoView {
    let class = match &delivery {
        Some(Delivery::Sent { .. }) => "status-sent",
        Some(Delivery::Failed { .. }) => "status-failed",
        _ => "",
    };
    let text = delivery.map(|d| d.summary()).unwrap_or_else(|| "Link only".into());
    view! { <span class=class>{text}</span> }
}

/// `/invite/<token>`: the invitee chooses a password and confirms their name.
#[component]
pub fn SignupPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let link = Resource::new(token, super::api::open_invite_link);
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {suspense_body(move || Suspend::new(async move {
                match link.await {
                    Ok(LinkState::Valid(info)) => view! { <SignupForm info=info token=token()/> }.into_any(),
                    Ok(LinkState::Invalid(problem)) => view! {
                        <AuthCard>
                            <h1>"Invitation unavailable"</h1>
                            <p class="form-error">{problem.message()}</p>
                            <p>"Ask an administrator for a new invitation."</p>
                        </AuthCard>
                    }
                        .into_any(),
                    Err(e) => view! { <AuthCard><p class="form-error">{e.to_string()}</p></AuthCard> }.into_any(),
                }
            }))}
        </Suspense>
    }
}

#[component]
fn SignupForm(info: SignupInfo, token: String) -> impl IntoView {
    let signup = expect_context::<crate::auth::view::AuthContext>().signup;
    let error = action_error(signup);
    let pending = signup.pending();
    let password = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    view! {
        <AuthCard>
            <h1>"Join Roster"</h1>
            <p>{info.invited_by.clone()} " invited you as " <strong>{info.role.label()}</strong> "."</p>
            <ActionForm action=signup>
                <FormError error=error/>
                <Field name="email_shown" label="Email" kind="email" value=info.email.clone() readonly=true server_error=error/>
                <input type="hidden" name="token" value=token/>
                <div class="row">
                    <Field name="first_name" label="First name" autocomplete="given-name" value=info.first_name.clone() server_error=error/>
                    <Field name="last_name" label="Last name" autocomplete="family-name" value=info.last_name.clone() server_error=error/>
                </div>
                <NewPasswordFields password=password confirm=confirm server_error=error/>
                <button type="submit" class="primary" disabled=move || pending.get() || !passwords_ready(password, confirm)>
                    "Create my account"
                </button>
            </ActionForm>
        </AuthCard>
    }
}
