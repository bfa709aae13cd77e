//! Settings → Integrations: add an Email, Slack or Webhook integration; each integration with
//! Send test, its recent deliveries and Redeliver, Rotate secret (webhooks), Resume (paused)
//! and Delete.

use super::api::{
    integration_deliveries, list_integrations, CreateIntegration, DeleteIntegration, Redeliver, ResumeIntegration,
    RotateIntegrationSecret, TestIntegration,
};
use super::{IntegrationInfo, IntegrationKind};
use crate::auth::view::Gated;
use crate::domain::{AppError, Permission};
use crate::ui::{action_error, format_utc, suspense_body, Confirm, Field, FormError, LoadError, Page};
use leptos::prelude::*;

#[component]
pub fn IntegrationsPage() -> impl IntoView {
    let create = ServerAction::<CreateIntegration>::new();
    let delete = ServerAction::<DeleteIntegration>::new();
    let resume = ServerAction::<ResumeIntegration>::new();
    let list = Resource::new(
        move || (create.version().get(), delete.version().get(), resume.version().get()),
        |_| list_integrations(),
    );
    view! {
        <Gated permission=Permission::ManageSettings>
            <Page title="Integrations">
                <p class="hint">"Where trigger notifications go. Set up the triggers themselves under Settings → Triggers."</p>
                <AddIntegration create=create/>
                <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                    {suspense_body(move || Suspend::new(async move {
                        match list.await {
                            Ok(items) if items.is_empty() => view! { <p class="notice">"No integrations yet."</p> }.into_any(),
                            Ok(items) => items
                                .into_iter()
                                .map(|item| view! { <IntegrationPanel item=item delete=delete resume=resume/> })
                                .collect_view()
                                .into_any(),
                            Err(e) => view! { <LoadError error=e/> }.into_any(),
                        }
                    }))}
                </Suspense>
            </Page>
        </Gated>
    }
}

#[component]
fn AddIntegration(create: ServerAction<CreateIntegration>) -> impl IntoView {
    let error = action_error(create);
    let kind = RwSignal::new(IntegrationKind::Webhook);
    let secret = move || create.value().get().and_then(Result::ok).and_then(|saved| saved.secret);
    let added = move || create.value().get().is_some_and(|r| r.is_ok());
    view! {
        <section class="panel">
            <h2>"Add an integration"</h2>
            <ActionForm action=create>
                <FormError error=error/>
                <div class="row">
                    <div class="field">
                        <label for="field-kind">"Type"</label>
                        <select
                            id="field-kind"
                            name="kind"
                            on:change=move |ev| {
                                if let Some(k) = IntegrationKind::from_code(&event_target_value(&ev)) {
                                    kind.set(k);
                                }
                            }
                        >
                            {IntegrationKind::ALL
                                .into_iter()
                                .map(|k| view! { <option value=k.code() selected=move || kind.get() == k>{k.label()}</option> })
                                .collect_view()}
                        </select>
                    </div>
                    <Field name="name" label="Name" hint="For example Security team." server_error=error/>
                </div>
                {move || match kind.get() {
                    IntegrationKind::Email => view! {
                        <TextArea name="emails" label="Email addresses" hint="One or more, separated by commas or new lines. Sent through the configured mailer." error=error/>
                    }.into_any(),
                    IntegrationKind::Slack => view! {
                        <Field name="url" label="Webhook URL" kind="url" hint="Slack's incoming-webhook URL (https://hooks.slack.com/…). Stored encrypted, never shown again." server_error=error/>
                    }.into_any(),
                    IntegrationKind::Webhook => view! {
                        <div class="row">
                            <Field name="url" label="URL" kind="url" hint="Must be https://." server_error=error/>
                            <div class="field">
                                <label for="field-method">"Method"</label>
                                <select id="field-method" name="method">
                                    <option value="POST" selected>"POST"</option>
                                    <option value="PUT">"PUT"</option>
                                </select>
                            </div>
                        </div>
                        <TextArea name="headers" label="Custom headers" hint="Optional, one a line: Name: value. Stored encrypted." error=error/>
                    }.into_any(),
                }}
                <button type="submit" class="primary" disabled=move || create.pending().get()>"Add integration"</button>
            </ActionForm>
            <Show when=added>
                <p class="notice success" role="status">"Integration added."</p>
            </Show>
            {move || secret().map(|s| view! { <SecretOnce secret=s/> })}
        </section>
    }
}

/// A webhook's signing secret, which is never shown again.
#[component]
fn SecretOnce(secret: String) -> impl IntoView {
    view! {
        <div class="notice" role="status">
            <p>"Signing secret (shown only now; copy it to your receiver):"</p>
            <p><code class="secret">{secret}</code></p>
        </div>
    }
}

#[component]
fn TextArea(
    #[prop(into)] name: String,
    #[prop(into)] label: String,
    #[prop(into)] hint: String,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let field = name.clone();
    let message = Signal::derive(move || error.get().and_then(|e| e.field_message(&field)));
    view! {
        <div class="field" class:has-error=move || message.get().is_some()>
            <label for=id.clone()>{label}</label>
            <textarea id=id name=name rows="3"></textarea>
            <p class="hint">{hint}</p>
            <p class="field-error" role="alert">{move || message.get()}</p>
        </div>
    }
}

#[component]
fn IntegrationPanel(
    item: IntegrationInfo,
    delete: ServerAction<DeleteIntegration>,
    resume: ServerAction<ResumeIntegration>,
) -> impl IntoView {
    let id = item.id;
    let test = ServerAction::<TestIntegration>::new();
    let rotate = ServerAction::<RotateIntegrationSecret>::new();
    let redeliver = ServerAction::<Redeliver>::new();
    let refresh = RwSignal::new(0u32);
    let deliveries = Resource::new(
        move || (refresh.get(), test.version().get(), redeliver.version().get()),
        move |_| integration_deliveries(id),
    );
    let test_error = action_error(test);
    let test_answer = move || test.value().get().and_then(Result::ok);
    let rotated = move || rotate.value().get().and_then(Result::ok).and_then(|s| s.secret);
    let heading = format!("{} ({})", item.name, item.kind.label());
    let is_webhook = item.kind == IntegrationKind::Webhook;
    let label = item.name.clone();
    view! {
        <section class="panel integration" aria-label=label>
            <h2>{heading}</h2>
            <p class="hint">{item.target.clone()}</p>
            <Show when=move || item.paused>
                <p class="notice" role="status">"Paused: every delivery failed for 12 hours. Nothing is sent until it is resumed."</p>
                <ActionForm action=resume>
                    <input type="hidden" name="integration_id" value=id/>
                    <button type="submit" class="secondary">"Resume"</button>
                </ActionForm>
            </Show>
            <div class="button-row">
                <ActionForm action=test>
                    <input type="hidden" name="integration_id" value=id/>
                    <button type="submit" class="secondary" disabled=move || test.pending().get()>"Send test"</button>
                </ActionForm>
                <Show when=move || is_webhook>
                    <ActionForm action=rotate>
                        <input type="hidden" name="integration_id" value=id/>
                        <button type="submit" class="secondary">"Rotate secret"</button>
                    </ActionForm>
                </Show>
                <Confirm
                    label="Delete"
                    id=format!("delete-integration-{id}")
                    question="Delete this integration and its delivery log? Triggers stop notifying it."
                >
                    <ActionForm action=delete>
                        <input type="hidden" name="integration_id" value=id/>
                        <button type="submit" class="danger">"Delete integration"</button>
                    </ActionForm>
                </Confirm>
            </div>
            <FormError error=test_error/>
            {move || test_answer().map(|text| view! { <p class="notice success" role="status">{text}</p> })}
            {move || rotated().map(|s| view! { <SecretOnce secret=s/> })}
            <h3>"Recent deliveries"</h3>
            <button type="button" class="link-button" on:click=move |_| refresh.update(|n| *n += 1)>"Refresh"</button>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || deliveries.get().map(|result| match result {
                    Ok(rows) if rows.is_empty() => view! { <p class="hint">"No deliveries yet."</p> }.into_any(),
                    Ok(rows) => view! {
                        <table class="deliveries">
                            <thead><tr>
                                <th>"Time"</th><th>"Event"</th><th>"Status"</th><th>"Status code"</th>
                                <th>"Attempts"</th><th>"Error"</th><th></th>
                            </tr></thead>
                            <tbody>
                                {rows.into_iter().map(|d| view! {
                                    <tr>
                                        <td>{format_utc(d.at)}</td>
                                        <td>{d.event_type.clone()}</td>
                                        <td>{d.status.clone()}</td>
                                        <td>{d.status_code.map(|c| c.to_string()).unwrap_or_default()}</td>
                                        <td>{d.attempts}</td>
                                        <td>{d.error.clone().unwrap_or_default()}</td>
                                        <td>
                                            <ActionForm action=redeliver>
                                                <input type="hidden" name="integration_id" value=id/>
                                                <input type="hidden" name="delivery_id" value=d.id/>
                                                <button type="submit" class="link-button">"Redeliver"</button>
                                            </ActionForm>
                                        </td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(e) => view! { <LoadError error=e/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}
