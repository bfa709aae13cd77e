//! Settings → Groups: the "New group" form and every group as a panel (see `panel.rs`).
//! Readers (ViewUsers) see the same page without the controls.

use super::api::{list_groups, CreateGroup};
use super::panel::GroupPanel;
use crate::auth::view::Gated;
use crate::auth::Me;
use crate::domain::{AppError, Permission, Role};
use crate::ui::{action_error, suspense_body, Field, FormError, LoadError, Page};
use leptos::prelude::*;

#[component]
pub fn GroupsPage() -> impl IntoView {
    view! {
        <Gated permission=Permission::ViewUsers>
            <Page title="Groups">
                <GroupsBody/>
            </Page>
        </Gated>
    }
}

/// What the viewer may do here, decided once from `Me` (the server checks again on every call).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Abilities {
    /// ManageGroups: create, edit, delete groups and change their members.
    pub manage: bool,
    /// ManageGlobalAdmins: also anything that grants or holds the Global Administrator role.
    pub global: bool,
}

impl Abilities {
    /// Whether the viewer may change a group that grants `role`.
    pub fn may_change(self, role: Role) -> bool {
        self.manage && (role != Role::GlobalAdministrator || self.global)
    }

    /// Whether the viewer may add or remove a user whose own role is `role`.
    pub fn may_move(self, role: Role) -> bool {
        role != Role::GlobalAdministrator || self.global
    }

    /// The roles the viewer may give a group, as select options.
    pub fn grantable_roles(self) -> Vec<(&'static str, &'static str)> {
        Role::ALL
            .into_iter()
            .filter(|r| self.may_change(*r))
            .map(|r| (r.code(), r.label()))
            .collect()
    }
}

/// Counts successful changes; the group list reads it, so every change refetches the list
/// (and, as the panels are drawn afresh, each group's members).
#[derive(Clone, Copy)]
pub struct Changes(RwSignal<u64>);

impl Changes {
    fn track(self) -> u64 {
        self.0.get()
    }

    /// Counts `action`'s successes from now on (effects run only in the browser, where actions do).
    pub fn follow<I, O>(self, action: ServerAction<I>)
    where
        I: server_fn::ServerFn<Output = O, Error = AppError> + Clone + Send + Sync + 'static,
        O: Clone + Send + Sync + 'static,
        ServerAction<I>: Copy,
    {
        on_success(action, move || self.0.update(|n| *n += 1));
    }
}

/// Runs `then` once after each successful completion of `action` (in the browser, where
/// actions run; effects never run on the server).
fn on_success<I, O>(action: ServerAction<I>, then: impl Fn() + 'static)
where
    I: server_fn::ServerFn<Output = O, Error = AppError> + Clone + Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
    ServerAction<I>: Copy,
{
    Effect::new(move |seen: Option<usize>| {
        let version = action.version().get();
        let succeeded = action.value().with(|v| matches!(v, Some(Ok(_))));
        if version > 0 && seen != Some(version) && succeeded {
            then();
        }
        version
    });
}

#[component]
fn GroupsBody() -> impl IntoView {
    let me = expect_context::<Me>();
    let can = Abilities {
        manage: me.can(Permission::ManageGroups),
        global: me.can(Permission::ManageGlobalAdmins),
    };
    let changes = Changes(RwSignal::new(0));
    let create = ServerAction::<CreateGroup>::new();
    changes.follow(create);
    let groups = Resource::new(move || changes.track(), |_| list_groups());
    view! {
        {can.manage.then(|| view! { <NewGroupForm create=create can=can/> })}
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {suspense_body(move || Suspend::new(async move {
                match groups.await {
                    Ok(list) if list.is_empty() => view! { <p class="empty panel">"No groups yet."</p> }.into_any(),
                    Ok(list) => list
                        .into_iter()
                        .map(|group| view! { <GroupPanel group=group can=can changes=changes/> })
                        .collect_view()
                        .into_any(),
                    Err(e) => view! { <LoadError error=e/> }.into_any(),
                }
            }))}
        </Transition>
    }
}

#[component]
fn NewGroupForm(create: ServerAction<CreateGroup>, can: Abilities) -> impl IntoView {
    let error = action_error(create);
    let pending = create.pending();
    let form = NodeRef::<leptos::html::Form>::new();
    // A created group appears in the list below; the form is emptied for the next one.
    on_success(create, move || {
        if let Some(form) = form.get_untracked() {
            form.reset();
        }
    });
    view! {
        <section class="panel new-group" aria-label="New group">
            <h2>"New group"</h2>
            <ActionForm action=create node_ref=form>
                <FormError error=error/>
                <GroupFields prefix="new-group".to_string() name=String::new() description=String::new()
                    role=Role::Analyst can=can error=error/>
                <div class="button-row">
                    <button type="submit" class="primary" disabled=move || pending.get()>"Create group"</button>
                </div>
            </ActionForm>
        </section>
    }
}

/// Name, Description and Role, with each field's error; `prefix` keeps ids unique on the page.
#[component]
pub(super) fn GroupFields(
    prefix: String,
    name: String,
    description: String,
    role: Role,
    can: Abilities,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let role_id = format!("{prefix}-role");
    let role_error = Signal::derive(move || error.get().and_then(|e| e.field_message("role")));
    let options = can
        .grantable_roles()
        .into_iter()
        .map(|(code, label)| view! { <option value=code selected=code == role.code()>{label}</option> })
        .collect_view();
    view! {
        <div class="row three">
            <Field id=format!("{prefix}-name") name="name" label="Name" value=name autocomplete="off" server_error=error/>
            <Field id=format!("{prefix}-description") name="description" label="Description" value=description autocomplete="off" server_error=error/>
            <div class="field" class:has-error=move || role_error.get().is_some()>
                <label for=role_id.clone()>"Role"</label>
                <select id=role_id name="role">{options}</select>
                <p class="field-error" role="alert">{role_error}</p>
            </div>
        </div>
    }
}
