//! Settings → Triggers: "New trigger" (name, condition, roles, integrations to notify) and the
//! triggers the viewer may see: their own, or everyone's with ManageSettings.

use super::api::{list_triggers, reaction_options, CreateTrigger, DeleteTrigger};
use super::{Condition, TriggerInfo};
use crate::auth::view::Gated;
use crate::domain::{Permission, Role};
use crate::ui::{action_error, suspense_body, Confirm, Field, FormError, LoadError, Page};
use leptos::prelude::*;

#[component]
pub fn TriggersPage() -> impl IntoView {
    let create = ServerAction::<CreateTrigger>::new();
    let delete = ServerAction::<DeleteTrigger>::new();
    let list = Resource::new(
        move || (create.version().get(), delete.version().get()),
        |_| list_triggers(),
    );
    view! {
        <Gated permission=Permission::ViewUsers>
            <Page title="Triggers">
                <p class="hint">"A trigger notifies integrations when something happens to an account. Integrations are set up by administrators under Settings → Integrations."</p>
                <NewTrigger create=create/>
                <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                    {suspense_body(move || Suspend::new(async move {
                        match list.await {
                            Ok(items) if items.is_empty() => view! { <p class="notice">"No triggers yet."</p> }.into_any(),
                            Ok(items) => view! { <TriggerTable items=items delete=delete/> }.into_any(),
                            Err(e) => view! { <LoadError error=e/> }.into_any(),
                        }
                    }))}
                </Suspense>
            </Page>
        </Gated>
    }
}

/// Checked values of a group of checkboxes, sent as one comma-separated field.
fn toggle(set: RwSignal<Vec<String>>, value: String, on: bool) {
    set.update(|v| {
        v.retain(|x| *x != value);
        if on {
            v.push(value);
        }
    });
}

#[component]
fn NewTrigger(create: ServerAction<CreateTrigger>) -> impl IntoView {
    let error = action_error(create);
    let options = Resource::new(|| (), |_| reaction_options());
    let condition = RwSignal::new(Condition::UserAdded);
    let roles = RwSignal::new(Vec::<String>::new());
    let integrations = RwSignal::new(Vec::<String>::new());
    let created = move || create.value().get().is_some_and(|r| r.is_ok());
    let field_error = move |field: &'static str| move || error.get().and_then(|e| e.field_message(field));
    view! {
        <section class="panel">
            <h2>"New trigger"</h2>
            <ActionForm action=create>
                <FormError error=error/>
                <div class="row">
                    <Field name="name" label="Name" hint="For example Added user." server_error=error/>
                    <div class="field">
                        <label for="field-condition">"Condition"</label>
                        <select
                            id="field-condition"
                            name="condition"
                            on:change=move |ev| {
                                if let Some(c) = Condition::from_code(&event_target_value(&ev)) {
                                    condition.set(c);
                                }
                            }
                        >
                            {Condition::ALL
                                .into_iter()
                                .map(|c| view! { <option value=c.code() selected=move || condition.get() == c>{c.label()}</option> })
                                .collect_view()}
                        </select>
                    </div>
                </div>
                <fieldset class="checks">
                    <legend>"Roles"</legend>
                    <p class="hint">{move || condition.get().role_hint()}</p>
                    {Role::ALL.into_iter().map(|role| {
                        let id = format!("role-{}", role.code());
                        let for_id = id.clone();
                        view! {
                            <label for=for_id class="check">
                                <input
                                    type="checkbox"
                                    id=id
                                    on:change=move |ev| toggle(roles, role.code().to_string(), event_target_checked(&ev))
                                />
                                {role.label()}
                            </label>
                        }
                    }).collect_view()}
                    <p class="field-error" role="alert">{field_error("roles")}</p>
                </fieldset>
                <input type="hidden" name="roles" prop:value=move || roles.get().join(",")/>
                <fieldset class="checks">
                    <legend>"Notify"</legend>
                    <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                        {move || options.get().map(|result| match result {
                            Ok(list) if list.is_empty() => view! {
                                <p class="hint">"No integrations yet: an administrator adds them under Settings → Integrations."</p>
                            }.into_any(),
                            Ok(list) => list.into_iter().map(|option| {
                                let id = format!("integration-{}", option.id);
                                let for_id = id.clone();
                                let value = option.id.to_string();
                                view! {
                                    <label for=for_id class="check">
                                        <input
                                            type="checkbox"
                                            id=id
                                            on:change=move |ev| toggle(integrations, value.clone(), event_target_checked(&ev))
                                        />
                                        {format!("{} ({})", option.name, option.kind)}
                                    </label>
                                }
                            }).collect_view().into_any(),
                            Err(e) => view! { <LoadError error=e/> }.into_any(),
                        })}
                    </Suspense>
                    <p class="field-error" role="alert">{field_error("integrations")}</p>
                </fieldset>
                <input type="hidden" name="integrations" prop:value=move || integrations.get().join(",")/>
                <button type="submit" class="primary" disabled=move || create.pending().get()>"Create trigger"</button>
            </ActionForm>
            <Show when=created>
                <p class="notice success" role="status">"Trigger created."</p>
            </Show>
        </section>
    }
}

#[component]
fn TriggerTable(items: Vec<TriggerInfo>, delete: ServerAction<DeleteTrigger>) -> impl IntoView {
    view! {
        <table class="triggers">
            <thead><tr>
                <th>"Name"</th><th>"Condition"</th><th>"Roles"</th><th>"Notifies"</th><th>"Owner"</th><th></th>
            </tr></thead>
            <tbody>
                {items.into_iter().map(|t| {
                    let roles = if t.roles.is_empty() { "Any role".to_string() } else { t.roles.join(", ") };
                    let question = format!("Delete the trigger \"{}\"?", t.name);
                    view! {
                        <tr>
                            <td>{t.name.clone()}</td>
                            <td>{t.condition.label()}</td>
                            <td>{roles}</td>
                            <td>{t.reactions.join(", ")}</td>
                            <td>{if t.mine { "You".to_string() } else { t.owner.clone() }}</td>
                            <td>
                                <Confirm label="Delete" question=question>
                                    <ActionForm action=delete>
                                        <input type="hidden" name="trigger_id" value=t.id/>
                                        <button type="submit" class="danger">"Delete trigger"</button>
                                    </ActionForm>
                                </Confirm>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
