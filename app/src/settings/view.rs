//! Settings → General: the logout timeouts, the 2FA policy and the console URL, each
//! its own form with its own Save and confirmation.

use super::api::{SaveConsoleUrl, SaveSessionTimeouts};
use super::{GeneralSettings, ABSOLUTE_HOURS_MAX, ABSOLUTE_HOURS_MIN, IDLE_MINUTES_MAX, IDLE_MINUTES_MIN};
use crate::auth::view::Gated;
use crate::domain::Permission;
use crate::ui::{action_error, suspense_body, Field, FormError, LoadError, Page};
use leptos::prelude::*;

#[component]
pub fn GeneralSettingsPage() -> impl IntoView {
    let saved = Resource::new(|| (), |_| super::api::load_general_settings());
    view! {
        <Gated permission=Permission::ManageSettings>
            <Page title="General">
                <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                    {suspense_body(move || Suspend::new(async move {
                        match saved.await {
                            Ok(settings) => view! { <GeneralSections saved=settings/> }.into_any(),
                            Err(e) => view! { <LoadError error=e/> }.into_any(),
                        }
                    }))}
                </Suspense>
            </Page>
        </Gated>
    }
}

#[component]
fn GeneralSections(saved: GeneralSettings) -> impl IntoView {
    view! {
        <TimeoutsSection idle=saved.idle_timeout_minutes absolute=saved.absolute_timeout_hours/>
        <crate::two_factor::view::TwoFactorPolicySection/>
        <ConsoleUrlSection url=saved.console_url fixed=saved.console_url_fixed/>
        <crate::integrations::organisation::OrganisationNameSection/>
        <crate::activity::retention_view::RetentionSection/>
    }
}

/// Idle and absolute logout timeouts for every account.
#[component]
fn TimeoutsSection(idle: i64, absolute: i64) -> impl IntoView {
    let save = ServerAction::<SaveSessionTimeouts>::new();
    let error = action_error(save);
    let pending = save.pending();
    let done = move || save.value().get().is_some_and(|r| r.is_ok());
    view! {
        <section class="panel">
            <h2>"Logout timeouts"</h2>
            <p class="hint">
                "These apply to every account and to sessions already signed in, from their next request."
            </p>
            <ActionForm action=save>
                <FormError error=error/>
                <div class="row">
                    <Field
                        name="idle_timeout_minutes"
                        label="Idle timeout (minutes)"
                        inputmode="numeric"
                        value=idle.to_string()
                        hint=format!("Sign out after this long without activity: {IDLE_MINUTES_MIN} to {IDLE_MINUTES_MAX} minutes (24 hours).")
                        server_error=error
                    />
                    <Field
                        name="absolute_timeout_hours"
                        label="Absolute timeout (hours)"
                        inputmode="numeric"
                        value=absolute.to_string()
                        hint=format!("Sign out this long after signing in, however active: {ABSOLUTE_HOURS_MIN} to {ABSOLUTE_HOURS_MAX} hours (30 days), never shorter than the idle timeout.")
                        server_error=error
                    />
                </div>
                <button type="submit" class="primary" disabled=move || pending.get()>"Save timeouts"</button>
            </ActionForm>
            <Show when=done>
                <p class="notice success" role="status">"Session timeouts saved."</p>
            </Show>
        </section>
    }
}

/// The address links and emails point to; read-only while ROSTER_PUBLIC_URL sets it.
#[component]
fn ConsoleUrlSection(url: String, fixed: bool) -> impl IntoView {
    let save = ServerAction::<SaveConsoleUrl>::new();
    let error = action_error(save);
    let pending = save.pending();
    let done = move || save.value().get().is_some_and(|r| r.is_ok());
    let body = if fixed {
        view! {
            <Field
                name="console_url"
                label="Console URL"
                value=url
                readonly=true
                hint="Set by the server's ROSTER_PUBLIC_URL: change it there and restart Roster."
                server_error=error
            />
        }
        .into_any()
    } else {
        view! {
            <ActionForm action=save>
                <FormError error=error/>
                <Field
                    name="console_url"
                    label="Console URL"
                    kind="url"
                    value=url
                    hint="The address people use to reach Roster: invitation links and emails point here. An https:// address also makes session cookies https-only."
                    server_error=error
                />
                <button type="submit" class="primary" disabled=move || pending.get()>"Save console URL"</button>
            </ActionForm>
            <Show when=done>
                <p class="notice success" role="status">"Console URL saved."</p>
            </Show>
        }
        .into_any()
    };
    view! {
        <section class="panel">
            <h2>"Console URL"</h2>
            {body}
        </section>
    }
}
