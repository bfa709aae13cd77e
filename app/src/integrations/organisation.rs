//! Settings → General → Organisation name: the "Client:" line of every trigger notification.
//! Its own small section and server functions, beside the other General settings.

use crate::domain::AppError;
use crate::ui::{action_error, Field, FormError};
use leptos::prelude::*;

/// The settings key it is stored under.
#[cfg(feature = "ssr")]
pub const KEY: &str = "organisation.name";
pub const MAX_CHARS: usize = 100;

/// The saved organisation name ("" when none).
#[server(endpoint = "organisation/name")]
pub async fn load_organisation_name() -> Result<String, AppError> {
    use crate::context::with_permission;
    use crate::domain::Permission;
    with_permission(Permission::ManageSettings, |ctx| async move {
        Ok(crate::settings::store::get(&ctx.state.db.pool, KEY)
            .await?
            .unwrap_or_default())
    })
    .await
}

/// Saves the organisation name; returns it as saved.
#[server(endpoint = "organisation/save-name")]
pub async fn save_organisation_name(#[server(default)] organisation_name: String) -> Result<String, AppError> {
    use crate::context::with_permission;
    use crate::domain::Permission;
    with_permission(Permission::ManageSettings, |ctx| async move {
        save(&ctx, &organisation_name).await
    })
    .await
}

/// Trimmed, at most [`MAX_CHARS`], no control or invisible characters.
pub fn parse(raw: &str) -> Result<String, AppError> {
    let name = raw.trim();
    let field = "organisation_name";
    if name.chars().count() > MAX_CHARS {
        return Err(AppError::invalid(field, format!("Use at most {MAX_CHARS} characters.")));
    }
    if name.chars().any(char::is_control) || crate::domain::has_invisible_or_bidi(name) {
        return Err(AppError::invalid(
            field,
            "The name holds invisible or control characters.",
        ));
    }
    Ok(name.to_string())
}

#[cfg(feature = "ssr")]
async fn save(ctx: &crate::context::Ctx, raw: &str) -> Result<String, AppError> {
    use crate::activity::store::{self as activity, Event};
    let after = parse(raw)?;
    let mut tx = ctx.state.db.begin().await?;
    let before = crate::settings::store::get(&mut *tx, KEY).await?.unwrap_or_default();
    if before == after {
        return Ok(after);
    }
    crate::settings::store::set(&mut *tx, KEY, &after, ctx.now).await?;
    let event = Event {
        action: "settings.organisation_name_changed",
        object_type: "settings",
        object_id: None,
        object_name: "General",
        details: serde_json::json!({ "before": before, "after": after }),
    };
    activity::record_event(&mut tx, ctx, event).await?;
    tx.commit().await?;
    Ok(after)
}

/// What a notification's last lines say: the organisation name and the console URL.
#[cfg(feature = "ssr")]
pub async fn message_context(state: &crate::state::AppState) -> Result<(String, String), AppError> {
    let client = crate::settings::store::get(&state.db.pool, KEY)
        .await?
        .unwrap_or_default();
    let console = crate::auth::service::public_url(state).await?.unwrap_or_default();
    Ok((client, console))
}

#[component]
pub fn OrganisationNameSection() -> impl IntoView {
    let saved = Resource::new(|| (), |_| load_organisation_name());
    let save = ServerAction::<SaveOrganisationName>::new();
    let error = action_error(save);
    let done = move || save.value().get().is_some_and(|r| r.is_ok());
    view! {
        <section class="panel">
            <h2>"Organisation"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || saved.get().map(|name| view! {
                    <ActionForm action=save>
                        <FormError error=error/>
                        <Field
                            name="organisation_name"
                            label="Organisation name"
                            value=name.unwrap_or_default()
                            hint="Shown as \"Client:\" in trigger notifications."
                            server_error=error
                        />
                        <button type="submit" class="primary" disabled=move || save.pending().get()>"Save organisation name"</button>
                    </ActionForm>
                })}
            </Suspense>
            <Show when=done>
                <p class="notice success" role="status">"Organisation name saved."</p>
            </Show>
        </section>
    }
}
