//! Settings → General's "Activity log" block: how long entries are kept.

use super::api::{load_retention, SaveRetention};
use super::{RETENTION_DAYS_MAX, RETENTION_DAYS_MIN};
use crate::ui::{action_error, suspense_body, Field, FormError, LoadError};
use leptos::prelude::*;

#[component]
pub fn RetentionSection() -> impl IntoView {
    let saved = Resource::new(|| (), |_| load_retention());
    let save = ServerAction::<SaveRetention>::new();
    let error = action_error(save);
    let pending = save.pending();
    let done = move || save.value().get().is_some_and(|r| r.is_ok());
    view! {
        <section class="panel">
            <h2>"Activity log"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {suspense_body(move || Suspend::new(async move {
                    match saved.await {
                        Ok(days) => view! {
                            <ActionForm action=save>
                                <FormError error=error/>
                                <Field
                                    name="retention_days"
                                    label="Keep activity entries for (days)"
                                    inputmode="numeric"
                                    value=days.to_string()
                                    hint=format!("Older entries are deleted: {RETENTION_DAYS_MIN} days to {RETENTION_DAYS_MAX} days (7 years). The default is 400 days.")
                                    server_error=error
                                />
                                <button type="submit" class="primary" disabled=move || pending.get()>"Save retention"</button>
                            </ActionForm>
                        }.into_any(),
                        Err(e) => view! { <LoadError error=e/> }.into_any(),
                    }
                }))}
            </Suspense>
            <Show when=done>
                <p class="notice success" role="status">"Activity retention saved."</p>
            </Show>
        </section>
    }
}
