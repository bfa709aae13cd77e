//! Toasts: a short message for each completed action, in live regions so screen readers
//! announce them. Success toasts go after 10 seconds (with them, their Undo);
//! errors stay until dismissed.

use crate::domain::AppError;
use leptos::prelude::*;
use std::sync::Arc;

/// How long a success toast (and its Undo) stays.
pub const TOAST_SECONDS: u64 = 10;

/// What Undo runs. Not a `Callback`: that would live in the reactive owner that made it (an
/// effect, which drops it when it next runs), and the toast outlives it.
type Undo = Arc<dyn Fn() + Send + Sync>;

#[derive(Clone)]
struct Toast {
    id: u64,
    message: String,
    error: bool,
    undo: Option<Undo>,
}

/// The console's toasts, provided by the console frame.
#[derive(Clone, Copy)]
pub struct Toasts {
    list: RwSignal<Vec<Toast>>,
    next: StoredValue<u64>,
}

impl Toasts {
    pub fn provide() -> Self {
        let toasts = Toasts {
            list: RwSignal::new(Vec::new()),
            next: StoredValue::new(0),
        };
        provide_context(toasts);
        toasts
    }

    /// The console's toasts; outside the console (no frame) toasts go nowhere.
    pub fn get() -> Option<Self> {
        use_context::<Toasts>()
    }

    pub fn success(self, message: impl Into<String>) {
        self.push(message.into(), false, None);
    }

    /// A success with an Undo button, for as long as the toast stays.
    pub fn undoable(self, message: impl Into<String>, undo: impl Fn() + Send + Sync + 'static) {
        self.push(message.into(), false, Some(Arc::new(undo)));
    }

    pub fn error(self, message: impl Into<String>) {
        self.push(message.into(), true, None);
    }

    fn push(self, message: String, error: bool, undo: Option<Undo>) {
        let id = self.next.get_value();
        self.next.set_value(id + 1);
        self.list.update(|list| {
            list.push(Toast {
                id,
                message,
                error,
                undo,
            })
        });
        #[cfg(feature = "hydrate")]
        if !error {
            set_timeout(move || self.dismiss(id), std::time::Duration::from_secs(TOAST_SECONDS));
        }
    }

    pub fn dismiss(self, id: u64) {
        self.list.try_update(|list| list.retain(|t| t.id != id));
    }

    /// Takes the Undo buttons away (the page whose actions they reverse is gone); the messages
    /// stay.
    pub fn forget_undo(self) {
        self.list.try_update(|list| list.iter_mut().for_each(|t| t.undo = None));
    }
}

/// The live regions, empty in the server's page so that what is added later is announced:
/// successes politely (`role=status`), errors at once (`role=alert`).
#[component]
pub fn ToastRegion(toasts: Toasts) -> impl IntoView {
    let shown = move |error: bool| {
        view! {
            // Keyed on the Undo too, so a toast whose Undo was taken away is drawn again without it.
            <For
                each=move || toasts.list.get().into_iter().filter(move |t| t.error == error)
                key=|t| (t.id, t.undo.is_some())
                let:toast
            >
                <ToastItem toast=toast toasts=toasts/>
            </For>
        }
    };
    view! {
        <div class="toasts">
            <div class="toast-list" role="status" aria-live="polite">{shown(false)}</div>
            <div class="toast-list" role="alert">{shown(true)}</div>
        </div>
    }
}

#[component]
fn ToastItem(toast: Toast, toasts: Toasts) -> impl IntoView {
    let id = toast.id;
    let undo = toast.undo.map(|undo| {
        view! {
            <button type="button" class="toast-undo" on:click=move |_| {
                toasts.dismiss(id);
                undo();
            }>"Undo"</button>
        }
    });
    view! {
        <div class="toast" class:toast-error=toast.error>
            <p>{toast.message}</p>
            {undo}
            <button type="button" class="toast-dismiss" on:click=move |_| toasts.dismiss(id)>"Dismiss"</button>
        </div>
    }
}

/// Calls `done` with the input and result of each completed dispatch of `action` (the input is
/// kept at dispatch time: the action clears its own once it resolves).
pub fn on_done<S>(action: ServerAction<S>, done: impl Fn(S, Result<S::Output, AppError>) + 'static)
where
    S: server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let last = StoredValue::new(None::<S>);
    Effect::new(move |_| {
        if let Some(input) = action.input().get() {
            last.set_value(Some(input));
        }
    });
    Effect::new(move |seen: Option<usize>| {
        let version = action.version().get();
        if seen.is_some_and(|seen| seen != version) {
            if let (Some(input), Some(result)) = (last.get_value(), action.value().get_untracked()) {
                done(input, result);
            }
        }
        version
    });
}
