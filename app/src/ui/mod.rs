//! Shared UI pieces: form fields with their errors, error banners, page frames.

use crate::domain::AppError;
use leptos::prelude::*;

pub mod dialog;
pub mod nav;
pub mod toast;

pub use dialog::{Dialog, ModalPanel};
pub use toast::{on_done, Toasts};

/// The latest result of a server action, as a signal of its error (if any).
pub fn action_error<I, O>(action: ServerAction<I>) -> Signal<Option<AppError>>
where
    I: server_fn::ServerFn<Output = O, Error = AppError> + Clone + Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
    ServerAction<I>: Copy,
{
    Signal::derive(move || action.value().get().and_then(|result| result.err()))
}

/// The body of a `<Suspense>` or `<Transition>` that awaits resources: a closure in the
/// browser, so it re-runs when they change; on the server, one `Suspend` built once. Leptos
/// walks a suspense body again once its resources have loaded (to find nested ones) and then
/// renders it: a closure would build the whole view in both passes, while a `Suspend` keeps
/// what the walk built. A server render happens once, so the closure bought nothing there.
#[cfg(feature = "ssr")]
pub fn suspense_body<V>(body: impl Fn() -> V) -> V {
    untrack(body)
}

/// See the server's version.
#[cfg(not(feature = "ssr"))]
pub fn suspense_body<V, F: Fn() -> V>(body: F) -> F {
    body
}

/// A form-level error: anything not tied to one field.
#[component]
pub fn FormError(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let message = move || {
        error.get().and_then(|e| match &e {
            AppError::Invalid(fields) => {
                let general: Vec<String> = fields
                    .iter()
                    .filter(|f| f.field.is_empty())
                    .map(|f| f.message.clone())
                    .collect();
                (!general.is_empty()).then(|| general.join(" "))
            }
            other => Some(other.to_string()),
        })
    };
    reload_when_signed_out(error);
    view! {
        <Show when=move || message().is_some()>
            <p class="form-error" role="alert">{message}</p>
        </Show>
    }
}

/// Data that failed to load: the reason, and (inside the console) back to the login page when
/// the session is gone.
#[component]
pub fn LoadError(error: AppError) -> impl IntoView {
    let message = error.to_string();
    reload_when_signed_out(Signal::stored(Some(error)));
    view! { <p class="form-error" role="alert">{message}</p> }
}

/// Inside the console, an action refused because the session is gone (signed out elsewhere,
/// expired, access disabled) reloads the page, so the server sends this tab to the login page
/// with the reason. The login page itself has no `Me` and shows such errors as they are.
pub fn reload_when_signed_out(error: Signal<Option<AppError>>) {
    if use_context::<crate::auth::Me>().is_none() {
        return;
    }
    Effect::new(move |_| {
        if matches!(error.get(), Some(AppError::Unauthenticated | AppError::AccessDisabled)) {
            #[cfg(feature = "hydrate")]
            let _ = window().location().reload();
        }
    });
}

/// A labelled input with its error message underneath. `hint` explains the rule up front.
#[component]
pub fn Field(
    #[prop(into)] name: String,
    #[prop(into)] label: String,
    #[prop(into, default = "text".to_string())] kind: String,
    /// Initial value. Rendered as the `value` attribute, so hydration never overwrites what the
    /// user typed before the page became interactive.
    #[prop(into, optional)]
    value: String,
    #[prop(into, optional)] autocomplete: Option<String>,
    /// The keyboard a phone shows (`numeric` for a number typed as text, which the server
    /// checks with its own message instead of the browser's).
    #[prop(into, optional)]
    inputmode: Option<String>,
    #[prop(into, optional)] hint: Option<String>,
    /// A problem found in the browser as the user types.
    #[prop(into, optional)]
    local_error: Option<Signal<Option<String>>>,
    /// The server's verdict on the last submission.
    #[prop(into)]
    server_error: Signal<Option<AppError>>,
    #[prop(optional)] on_input: Option<Callback<String>>,
    #[prop(optional)] readonly: bool,
    /// The element id; `field-<name>` unless several forms on one page share field names.
    #[prop(into, optional)]
    id: Option<String>,
) -> impl IntoView {
    let id = id.unwrap_or_else(|| format!("field-{name}"));
    let error_id = format!("{id}-error");
    let field = name.clone();
    let error = Signal::derive(move || {
        local_error
            .and_then(|e| e.get())
            .or_else(|| server_error.get().and_then(|e| e.field_message(&field)))
    });
    view! {
        <div class="field" class:has-error=move || error.get().is_some()>
            <label for=id.clone()>{label}</label>
            <input
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                inputmode=inputmode
                readonly=readonly
                value=value
                aria-describedby=error_id.clone()
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                on:input=move |ev| {
                    if let Some(cb) = on_input {
                        cb.run(event_target_value(&ev));
                    }
                }
            />
            {hint.map(|h| view! { <p class="hint">{h}</p> })}
            <p class="field-error" id=error_id role="alert">{error}</p>
        </div>
    }
}

/// A page with a heading inside the console, and the page's one-line description (from the
/// navigation's list, by path, so every page has the same one wherever it is drawn).
#[component]
pub fn Page(#[prop(into)] title: String, children: Children) -> impl IntoView {
    let path = leptos_router::hooks::use_location().pathname.get_untracked();
    let description = nav::description_for(&path).map(|d| view! { <p class="page-description">{d}</p> });
    view! {
        <section class="page">
            <header class="page-head">
                <h1>{title.clone()}</h1>
                {description}
            </header>
            {children()}
        </section>
    }
}

/// A labelled select; `options` are (value, label) pairs.
#[component]
pub fn SelectField(
    #[prop(into)] name: String,
    #[prop(into)] label: String,
    options: Vec<(&'static str, &'static str)>,
    #[prop(into)] selected: String,
    #[prop(into)] server_error: Signal<Option<AppError>>,
    /// The element id; `field-<name>` unless several forms on one page share field names.
    #[prop(into, optional)]
    id: Option<String>,
) -> impl IntoView {
    let id = id.unwrap_or_else(|| format!("field-{name}"));
    let field = name.clone();
    let error = Signal::derive(move || server_error.get().and_then(|e| e.field_message(&field)));
    view! {
        <div class="field" class:has-error=move || error.get().is_some()>
            <label for=id.clone()>{label}</label>
            <select id=id name=name>
                {options
                    .into_iter()
                    .map(|(value, text)| view! { <option value=value selected=value == selected>{text}</option> })
                    .collect_view()}
            </select>
            <p class="field-error" role="alert">{move || error.get()}</p>
        </div>
    }
}

/// A destructive action behind a second click: the `label` button opens a dialog asking the
/// `question`, with the confirming control (`children`, usually an ActionForm's submit button)
/// and Cancel. Submitting closes it; the result comes as the page shows results.
#[component]
pub fn Confirm(
    #[prop(into)] label: String,
    #[prop(into)] question: String,
    /// The dialog's id, where one page may ask the same question twice.
    #[prop(into, optional)]
    id: Option<String>,
    children: ChildrenFn,
) -> impl IntoView {
    let open = RwSignal::new(false);
    // The same on the server and in the browser, and distinct for each question on a page.
    let id = id.unwrap_or_else(|| format!("confirm-{:x}", fnv1a(&question)));
    view! {
        <button type="button" class="link-button danger" aria-haspopup="dialog" on:click=move |_| open.set(true)>
            {label}
        </button>
        <Dialog open=open id=id title=question>
            // Bubbles up after the form's own handler has dispatched its action.
            <div class="button-row confirm-actions" on:submit=move |_| open.set(false)>
                {children()}
                <button type="button" class="link-button" on:click=move |_| open.set(false)>"Cancel"</button>
            </div>
        </Dialog>
    }
}

/// FNV-1a, for short stable ids.
fn fnv1a(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5_u32, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    })
}

/// What [`url_encode`] leaves as it is: the unreserved characters, and `/`. Not
/// `form_urlencoded`, which writes `/` as `%2F` and a space as `+`: `?next=/settings/users`
/// stays readable this way, and the login redirects keep the form they have always had.
const QUERY_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'/');

/// Percent-encodes a value for a URL query or path (`/` is kept).
pub fn url_encode(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, QUERY_VALUE).to_string()
}

/// Unix seconds as a UTC calendar date and the seconds into that day: (year, month, day,
/// seconds). Howard Hinnant's civil-from-days algorithm.
pub fn civil_utc(secs: i64) -> (i64, i64, i64, i64) {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day, rem)
}

/// Unix seconds as `2026-11-22 21:47 UTC` (the same on server and browser, so hydration agrees).
pub fn format_utc(secs: i64) -> String {
    let (year, month, day, rem) = civil_utc(secs);
    if !(0..=9999).contains(&year) {
        return format!(
            "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
            rem / 3600,
            rem % 3600 / 60
        );
    }
    // Digit by digit: a page shows two of these per user row, and `format!` with padding
    // costs several times more.
    let mut text = String::with_capacity(20);
    for (part, width, after) in [
        (year, 4, "-"),
        (month, 2, "-"),
        (day, 2, " "),
        (rem / 3600, 2, ":"),
        (rem % 3600 / 60, 2, " UTC"),
    ] {
        for place in (0..width).rev() {
            text.push(char::from(b'0' + (part / 10_i64.pow(place) % 10) as u8));
        }
        text.push_str(after);
    }
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn url_encode_keeps_slashes_and_unreserved_characters() {
        assert_eq!(
            super::url_encode("/settings/activity?x=1 & é-_.~+"),
            "/settings/activity%3Fx%3D1%20%26%20%C3%A9-_.~%2B"
        );
    }

    #[test]
    fn formats_utc_times() {
        assert_eq!(super::format_utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(super::format_utc(1_795_383_120), "2026-11-22 21:32 UTC");
        assert_eq!(super::format_utc(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(super::format_utc(253_402_300_799), "9999-12-31 23:59 UTC");
        assert_eq!(super::format_utc(253_402_300_800), "10000-01-01 00:00 UTC");
    }
}
