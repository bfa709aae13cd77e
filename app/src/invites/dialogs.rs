//! Inviting from the users page: **Send invite** (email, role, lifetime; a link to copy, or an
//! email) and **Add new user** (the same with the names, always emailed), each a button that
//! opens a dialog. An emailed invitation closes its dialog with a toast; a link stays in the
//! dialog with its Copy button.

use super::api::CreateInvite;
use super::view::{InviteActions, LinkBox};
use super::InviteLifetime;
use crate::auth::Me;
use crate::domain::{AppError, Permission, Role};
use crate::ui::{action_error, on_done, Dialog, Field, FormError, SelectField, Toasts};
use leptos::prelude::*;

/// The two buttons and their dialogs (for those who may invite).
#[component]
pub fn InviteButtons(actions: InviteActions) -> impl IntoView {
    let send_open = RwSignal::new(false);
    let add_open = RwSignal::new(false);
    let toasts = Toasts::get();
    let emailed = move |open: RwSignal<bool>| {
        move |_: CreateInvite, result: Result<super::InviteLink, AppError>| {
            if let Ok(link) = result {
                if let Some(to) = link.emailed_to {
                    open.set(false);
                    if let Some(toasts) = toasts {
                        toasts.success(format!("Invitation email queued for {to}"));
                    }
                }
            }
        }
    };
    on_done(actions.create, emailed(send_open));
    on_done(actions.add, emailed(add_open));
    // Each opening starts clean: no link or errors from the last time.
    let open = move |which: RwSignal<bool>, action: ServerAction<CreateInvite>| {
        move |_: leptos::ev::MouseEvent| {
            action.clear();
            which.set(true);
        }
    };
    view! {
        <div class="page-actions">
            <button type="button" class="primary inline" aria-haspopup="dialog" on:click=open(send_open, actions.create)>
                "Send invite"
            </button>
            <button type="button" class="secondary" aria-haspopup="dialog" on:click=open(add_open, actions.add)>
                "Add new user"
            </button>
            <a class="button secondary" href="/settings/users/invite-csv">"Invite from CSV"</a>
        </div>
        <Dialog open=send_open id="send-invite" title="Send invite">
            <SendInviteForm actions=actions/>
        </Dialog>
        <Dialog open=add_open id="add-user" title="Add new user">
            <AddUserForm actions=actions open=add_open/>
        </Dialog>
    }
}

/// The roles the viewer may give, as select options.
fn grantable_roles() -> Vec<(&'static str, &'static str)> {
    let me = expect_context::<Me>();
    Role::ALL
        .into_iter()
        .filter(|r| *r != Role::GlobalAdministrator || me.can(Permission::ManageGlobalAdmins))
        .map(|r| (r.code(), r.label()))
        .collect()
}

fn lifetimes() -> Vec<(&'static str, &'static str)> {
    InviteLifetime::ALL.into_iter().map(|l| (l.code(), l.label())).collect()
}

#[component]
fn SendInviteForm(actions: InviteActions) -> impl IntoView {
    let error = action_error(actions.create);
    let pending = actions.create.pending();
    let link = move || {
        actions
            .create
            .value()
            .get()
            .and_then(Result::ok)
            .filter(|link| link.url.is_some())
    };
    view! {
        <ActionForm action=actions.create>
            <FormError error=error/>
            <Field id="invite-email" name="email" label="Email" kind="email" autocomplete="off" server_error=error/>
            <RoleAndLifetime prefix="invite" error=error/>
            <div class="button-row">
                <button type="submit" name="delivery" value="link" class="secondary" disabled=move || pending.get()>
                    "Get an invite link"
                </button>
                <button type="submit" name="delivery" value="email" class="secondary" disabled=move || pending.get()>
                    "Send invite email"
                </button>
            </div>
        </ActionForm>
        {move || link().map(|link| view! { <LinkBox link=link/> })}
    }
}

#[component]
fn AddUserForm(actions: InviteActions, open: RwSignal<bool>) -> impl IntoView {
    let error = action_error(actions.add);
    let pending = actions.add.pending();
    view! {
        <ActionForm action=actions.add>
            <FormError error=error/>
            <div class="row">
                <Field id="add-first-name" name="first_name" label="First name" autocomplete="off" server_error=error/>
                <Field id="add-last-name" name="last_name" label="Last name" autocomplete="off" server_error=error/>
            </div>
            <Field id="add-email" name="email" label="Email" kind="email" autocomplete="off" server_error=error/>
            <RoleAndLifetime prefix="add" error=error/>
            <div class="button-row">
                <button type="submit" name="delivery" value="email" class="primary inline" disabled=move || pending.get()>
                    "Add user and send invite"
                </button>
                <button type="button" class="link-button" on:click=move |_| open.set(false)>"Cancel"</button>
            </div>
        </ActionForm>
    }
}

/// The role to grant and how long the link lasts: the same two choices in both invite forms.
#[component]
fn RoleAndLifetime(prefix: &'static str, error: Signal<Option<AppError>>) -> impl IntoView {
    view! {
        <div class="row">
            <SelectField id=format!("{prefix}-role") name="role" label="Role" options=grantable_roles()
                selected=Role::Analyst.code() server_error=error/>
            <SelectField id=format!("{prefix}-lifetime") name="lifetime" label="Link valid for" options=lifetimes()
                selected=InviteLifetime::DEFAULT.code() server_error=error/>
        </div>
    }
}
