//! The second step of signing in: "Enter the code from your authenticator app", or a recovery
//! code instead.

use super::api::CompleteSecondStep;
use super::view::AuthCard;
use crate::ui::{action_error, suspense_body, Field, FormError};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SecondStepPage() -> impl IntoView {
    let query = use_query_map();
    let next = query.read_untracked().get("next").unwrap_or_default();
    let pending = Resource::new(|| (), |_| super::api::second_step_pending());
    view! {
        <AuthCard>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {suspense_body(move || {
                    let next = next.clone();
                    Suspend::new(async move {
                        match pending.await {
                            Ok(true) => view! { <CodeForm next=next/> }.into_any(),
                            _ => view! {
                                <h1>"Sign in"</h1>
                                <p class="notice" role="status">{super::EXPIRED_SIGN_IN}</p>
                                <p><a href="/login">"Sign in again"</a></p>
                            }
                            .into_any(),
                        }
                    })
                })}
            </Suspense>
        </AuthCard>
    }
}

#[component]
fn CodeForm(next: String) -> impl IntoView {
    let complete = ServerAction::<CompleteSecondStep>::new();
    let error = action_error(complete);
    let recovery = RwSignal::new(false);
    view! {
        <h1>"Two-factor authentication"</h1>
        <ActionForm action=complete>
            <FormError error=error/>
            {move || if recovery.get() {
                view! {
                    <p>"Enter one of your recovery codes. Each code works once."</p>
                    <Field name="code" label="Recovery code" autocomplete="off" server_error=error/>
                }.into_any()
            } else {
                view! {
                    <p>"Enter the code from your authenticator app."</p>
                    <Field name="code" label="6-digit code" autocomplete="one-time-code" server_error=error/>
                }.into_any()
            }}
            <input type="hidden" name="next" value=next/>
            <button type="submit" class="primary" disabled=move || complete.pending().get()>"Sign in"</button>
        </ActionForm>
        <p>
            <button type="button" class="link-button" on:click=move |_| recovery.update(|r| *r = !*r)>
                {move || if recovery.get() { "Use your authenticator app instead" } else { "Use a recovery code instead" }}
            </button>
        </p>
        <p><a href="/login">"Start again"</a></p>
    }
}
