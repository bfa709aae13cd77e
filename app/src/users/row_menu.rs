//! Each user row's selection checkbox and its menu: Edit user settings, Change role, Sessions,
//! Disable or Enable access, Disable 2FA, Unlock, Delete. The server applies every rule again;
//! results and errors show as toasts (`feedback.rs`).

use super::api::{
    BulkUserAction, ChangeUserRole, DeleteUser, DisableUser, DisableUserTwoFactor, EnableUser, UnlockUser,
    UpdateUserName,
};
use super::feedback::Known;
use super::UserRow;
use crate::auth::Me;
use crate::domain::AppError;
use crate::domain::{Permission, Role};
use crate::sessions::view::UserSessionsDialog;
use crate::ui::{action_error, Confirm, Field, FormError, ModalPanel};
use leptos::html;
use leptos::prelude::*;
use std::collections::HashMap;

/// Which inline form is open, and for whom.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Editing {
    Name(i64),
    Role(i64),
    TwoFactor(i64),
    Sessions(i64),
}

/// The page's user actions and the state that must outlive a list refresh (made once, at the
/// top of the page): the open inline form and the selected user ids.
#[derive(Clone, Copy)]
pub struct UserActions {
    pub update_name: ServerAction<UpdateUserName>,
    pub change_role: ServerAction<ChangeUserRole>,
    pub disable: ServerAction<DisableUser>,
    pub enable: ServerAction<EnableUser>,
    pub delete: ServerAction<DeleteUser>,
    pub disable_two_factor: ServerAction<DisableUserTwoFactor>,
    pub unlock: ServerAction<UnlockUser>,
    pub bulk: ServerAction<BulkUserAction>,
    pub editing: RwSignal<Option<Editing>>,
    pub selected: RwSignal<Vec<i64>>,
    /// Every user the page has shown, by id (for the toasts).
    pub known: StoredValue<HashMap<i64, Known>>,
    /// How many actions have succeeded: the list refetches when it moves.
    succeeded: RwSignal<usize>,
}

impl UserActions {
    pub fn new() -> Self {
        let actions = UserActions {
            update_name: ServerAction::new(),
            change_role: ServerAction::new(),
            disable: ServerAction::new(),
            enable: ServerAction::new(),
            delete: ServerAction::new(),
            disable_two_factor: ServerAction::new(),
            unlock: ServerAction::new(),
            bulk: ServerAction::new(),
            editing: RwSignal::new(None),
            selected: RwSignal::new(Vec::new()),
            known: StoredValue::new(HashMap::new()),
            succeeded: RwSignal::new(0),
        };
        count_successes(actions.update_name, actions.succeeded);
        count_successes(actions.change_role, actions.succeeded);
        count_successes(actions.disable, actions.succeeded);
        count_successes(actions.enable, actions.succeeded);
        count_successes(actions.delete, actions.succeeded);
        count_successes(actions.disable_two_factor, actions.succeeded);
        count_successes(actions.unlock, actions.succeeded);
        count_successes(actions.bulk, actions.succeeded);
        // A saved form closes; a refused one stays open with its errors.
        Effect::new(move |_| {
            let saved_name = matches!(actions.update_name.value().get(), Some(Ok(())));
            let saved_role = matches!(actions.change_role.value().get(), Some(Ok(())));
            let two_factor_off = matches!(actions.disable_two_factor.value().get(), Some(Ok(())));
            if saved_name || saved_role || two_factor_off {
                actions.editing.set(None);
            }
        });
        actions
    }

    /// Changes whenever an action succeeds, so the list refetches. Not on a refusal: the
    /// refetch would draw the rows again, and with them the open form, emptying what the user
    /// typed to correct it.
    pub fn version(self) -> usize {
        self.succeeded.get()
    }
}

fn count_successes<S>(action: ServerAction<S>, succeeded: RwSignal<usize>)
where
    S: server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Effect::new(move |_| {
        if action.value().with(|value| matches!(value, Some(Ok(_)))) {
            succeeded.update(|n| *n += 1);
        }
    });
}

impl UserActions {
    /// Remembers the users a page shows.
    pub fn know(self, rows: &[UserRow]) {
        self.known.update_value(|known| {
            for user in rows {
                let name = format!("{} {}", user.first_name, user.last_name);
                known.insert(user.id, Known { name, role: user.role });
            }
        });
    }
}

impl Default for UserActions {
    fn default() -> Self {
        Self::new()
    }
}

/// The header checkbox: selects or clears every user on this page.
#[component]
pub fn SelectPage(ids: Vec<i64>, actions: UserActions) -> impl IntoView {
    let selected = actions.selected;
    // Plain copies, not a StoredValue: clearing the selection as the table goes away re-runs
    // `all` once more, and a disposed StoredValue would panic there.
    let all = {
        let ids = ids.clone();
        move || !ids.is_empty() && selected.with(|s| ids.iter().all(|id| s.contains(id)))
    };
    let on_change = move |ev| {
        let on = event_target_checked(&ev);
        selected.update(|s| {
            s.retain(|id| !ids.contains(id));
            if on {
                s.extend(ids.iter().copied());
            }
        });
    };
    view! {
        <label for="select-page" class="visually-hidden">"Select all on this page"</label>
        <input id="select-page" type="checkbox" aria-label="Select all on this page" prop:checked=all on:change=on_change/>
    }
}

#[component]
pub fn SelectUser(user_id: i64, name: String, actions: UserActions) -> impl IntoView {
    let selected = actions.selected;
    let on_change = move |ev| {
        let on = event_target_checked(&ev);
        selected.update(|s| {
            s.retain(|id| *id != user_id);
            if on {
                s.push(user_id);
            }
        });
    };
    let id = format!("select-user-{user_id}");
    view! {
        <label for=id.clone() class="visually-hidden">{format!("Select {name}")}</label>
        <input
            id=id
            type="checkbox"
            aria-label=format!("Select {name}")
            prop:checked=move || selected.with(|s| s.contains(&user_id))
            on:change=on_change
        />
    }
}

/// The row's menu, and under it the inline form it opened (if any). The menu's items are
/// rendered when it opens: a page of rows then carries one `<details>` each instead of four
/// forms and buttons each, which makes a users page measurably cheaper to render.
#[component]
pub fn RowMenu(user: UserRow, actions: UserActions) -> impl IntoView {
    let menu = NodeRef::<html::Details>::new();
    let open = RwSignal::new(false);
    let on_toggle = move |_| open.set(menu.get_untracked().is_some_and(|details| details.open()));
    let summary_label = format!("Actions for {}", user.email);
    let editing = actions.editing;
    let id = user.id;
    let items = {
        let user = user.clone();
        move || {
            open.get()
                .then(|| view! { <MenuItems user=user.clone() actions=actions menu=menu/> })
        }
    };
    // One closure for both inline forms: at most one is open at a time.
    let form = move || match editing.get() {
        Some(Editing::Name(of)) if of == id => Some(view! { <NameForm user=user.clone() actions=actions/> }.into_any()),
        Some(Editing::Role(of)) if of == id => Some(view! { <RoleForm user=user.clone() actions=actions/> }.into_any()),
        Some(Editing::TwoFactor(of)) if of == id => {
            Some(view! { <DisableTwoFactorForm user=user.clone() actions=actions/> }.into_any())
        }
        Some(Editing::Sessions(of)) if of == id => {
            let name = format!("{} {}", user.first_name, user.last_name);
            let on_close = Callback::new(move |_| editing.set(None));
            Some(view! { <UserSessionsDialog user_id=id name=name on_close=on_close/> }.into_any())
        }
        _ => None,
    };
    view! {
        <details class="menu row-menu" node_ref=menu on:toggle=on_toggle>
            <summary aria-label=summary_label>"Actions"</summary>
            {items}
        </details>
        {form}
    }
}

/// The open menu's items: Edit user settings, Change role, Disable or Enable access, Delete.
#[component]
fn MenuItems(user: UserRow, actions: UserActions, menu: NodeRef<html::Details>) -> impl IntoView {
    let id = user.id;
    // Opening a form closes the menu, so the menu never covers the form.
    let open = move |editing: Editing| {
        if let Some(details) = menu.get_untracked() {
            details.set_open(false);
        }
        actions.editing.set(Some(editing));
    };
    let access = if user.disabled {
        view! {
            <ActionForm action=actions.enable>
                <input type="hidden" name="user_id" value=id/>
                <button type="submit" class="link-button">"Enable access"</button>
            </ActionForm>
        }
        .into_any()
    } else {
        view! {
            <ActionForm action=actions.disable>
                <input type="hidden" name="user_id" value=id/>
                <button type="submit" class="link-button">"Disable access"</button>
            </ActionForm>
        }
        .into_any()
    };
    let question = format!(
        "Delete {} {} ({})? This cannot be undone.",
        user.first_name, user.last_name, user.email
    );
    view! {
        <ul>
            <li>
                <button type="button" class="link-button" on:click=move |_| open(Editing::Name(id))>
                    "Edit user settings"
                </button>
            </li>
            <li>
                <button type="button" class="link-button" on:click=move |_| open(Editing::Role(id))>
                    "Change role"
                </button>
            </li>
            <li>
                <button type="button" class="link-button" on:click=move |_| open(Editing::Sessions(id))>
                    "Sessions"
                </button>
            </li>
            <li>{access}</li>
            {user.two_factor.then(|| view! {
                <li>
                    <button type="button" class="link-button" on:click=move |_| open(Editing::TwoFactor(id))>
                        "Disable 2FA"
                    </button>
                </li>
            })}
            {user.locked.then(|| view! {
                <li>
                    <ActionForm action=actions.unlock>
                        <input type="hidden" name="user_id" value=id/>
                        <button type="submit" class="link-button">"Unlock"</button>
                    </ActionForm>
                </li>
            })}
            <li>
                <Confirm label="Delete" question=question>
                    <ActionForm action=actions.delete>
                        <input type="hidden" name="user_id" value=id/>
                        <button type="submit" class="link-button danger">"Delete user"</button>
                    </ActionForm>
                </Confirm>
            </li>
        </ul>
    }
}

#[component]
fn NameForm(user: UserRow, actions: UserActions) -> impl IntoView {
    let error = action_error(actions.update_name);
    let id = user.id;
    view! {
        <ActionForm action=actions.update_name>
            <div class="inline-form">
                <input type="hidden" name="user_id" value=id/>
                <Field id=format!("user-{id}-first-name") name="first_name" label="First name" value=user.first_name autocomplete="off" server_error=error/>
                <Field id=format!("user-{id}-last-name") name="last_name" label="Last name" value=user.last_name autocomplete="off" server_error=error/>
                <div class="button-row">
                    <button type="submit" class="secondary" disabled=move || actions.update_name.pending().get()>"Save"</button>
                    <button type="button" class="link-button" on:click=move |_| actions.editing.set(None)>"Cancel"</button>
                </div>
            </div>
        </ActionForm>
    }
}

#[component]
fn RoleForm(user: UserRow, actions: UserActions) -> impl IntoView {
    let me = expect_context::<Me>();
    let grantable: Vec<Role> = Role::ALL
        .into_iter()
        .filter(|r| *r != Role::GlobalAdministrator || me.can(Permission::ManageGlobalAdmins))
        .collect();
    let error = action_error(actions.change_role);
    let id = user.id;
    let select_id = format!("user-{id}-role");
    let field_error = move || error.get().and_then(|e| e.field_message("role"));
    view! {
        <ActionForm action=actions.change_role>
            <div class="inline-form">
                <input type="hidden" name="user_id" value=id/>
                <div class="field">
                    <label for=select_id.clone()>"Role"</label>
                    <select id=select_id name="role">
                        {grantable
                            .into_iter()
                            .map(|r| view! { <option value=r.code() selected=r == user.role>{r.label()}</option> })
                            .collect_view()}
                    </select>
                    <p class="field-error" role="alert">{field_error}</p>
                </div>
                <div class="button-row">
                    <button type="submit" class="secondary" disabled=move || actions.change_role.pending().get()>"Save role"</button>
                    <button type="button" class="link-button" on:click=move |_| actions.editing.set(None)>"Cancel"</button>
                </div>
            </div>
        </ActionForm>
    }
}

/// "Disable 2FA" for a user who lost their device, confirmed with the admin's own password, in
/// a dialog. Closing it closes the form; success closes it too (`UserActions::new`).
#[component]
fn DisableTwoFactorForm(user: UserRow, actions: UserActions) -> impl IntoView {
    let error = action_error(actions.disable_two_factor);
    let id = user.id;
    let name = format!("{} {}", user.first_name, user.last_name);
    let explain = format!(
        "{name} ({}) will sign in with their password only, their sessions end now, and they are told by email. ",
        user.email
    );
    let close = Callback::new(move |_| actions.editing.set(None));
    view! {
        <ModalPanel id=format!("user-{id}-2fa") title=format!("Disable 2FA for {name}?") on_close=close>
            <p>
                {explain.clone()}
                "If a 2FA policy applies to them, they must set it up again at their next sign-in."
            </p>
            <ActionForm action=actions.disable_two_factor>
                <FormError error=error/>
                <input type="hidden" name="user_id" value=id/>
                <Field id=format!("user-{id}-admin-password") name="password" label="Your password" kind="password"
                    autocomplete="current-password" server_error=error/>
                <div class="button-row">
                    <button type="submit" class="secondary danger" disabled=move || actions.disable_two_factor.pending().get()>"Disable 2FA"</button>
                    <button type="button" class="link-button" on:click=move |_| close.run(())>"Cancel"</button>
                </div>
            </ActionForm>
        </ModalPanel>
    }
}
