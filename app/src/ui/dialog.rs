//! A modal dialog: a native `<dialog>` opened with `showModal()`, so the rest of the page is
//! inert while it is open. Tab and Shift+Tab cycle inside it, Escape closes it (the browser's
//! `cancel`), and focus goes back to whatever opened it.

use leptos::html;
use leptos::prelude::*;

/// `open` drives it both ways: the caller sets it to open or close the dialog, and the dialog
/// sets it back to false when the user closes it (Escape, the Close button). The body is
/// rendered only while it is open, so every opening starts from a fresh form.
#[component]
pub fn Dialog(
    open: RwSignal<bool>,
    /// The heading, which also names the dialog (`aria-labelledby`).
    #[prop(into)]
    title: TextProp,
    /// A page-unique id; the heading is `<id>-title`.
    #[prop(into)]
    id: String,
    children: ChildrenFn,
) -> impl IntoView {
    let node = NodeRef::<html::Dialog>::new();
    let heading = format!("{id}-title");
    let labelled_by = heading.clone();
    #[cfg(feature = "hydrate")]
    let opener = browser::Opener::new();
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let want = open.get();
        let Some(dialog) = node.get() else { return };
        if want && !dialog.open() {
            opener.remember();
            let _ = dialog.show_modal();
            // After the body (rendered on the same change) is in place.
            request_animation_frame(move || browser::focus_first(&dialog));
        } else if !want && dialog.open() {
            // Fires `close`, which gives focus back.
            dialog.close();
        }
    });
    let on_close = move |_| {
        open.set(false);
        #[cfg(feature = "hydrate")]
        opener.restore();
    };
    // Taken away while open (its caller stopped showing it, e.g. a Cancel button of the
    // caller's own): focus goes back all the same.
    #[cfg(feature = "hydrate")]
    on_cleanup(move || {
        if open.try_get_untracked() == Some(true) {
            opener.restore();
        }
    });
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        #[cfg(feature = "hydrate")]
        if ev.key() == "Tab" {
            if let Some(dialog) = node.get_untracked() {
                browser::keep_tab_inside(&dialog, &ev);
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    view! {
        <dialog
            node_ref=node
            id=id
            class="modal"
            aria-labelledby=labelled_by
            on:close=on_close
            on:keydown=on_keydown
        >
            <div class="modal-head">
                <h2 id=heading>{move || title.get()}</h2>
                <button type="button" class="icon-button" aria-label="Close" on:click=move |_| open.set(false)>
                    "×"
                </button>
            </div>
            <Show when=move || open.get()>{children()}</Show>
        </dialog>
    }
}

/// A [`Dialog`] for as long as its caller shows it: open from the start; closing it (Escape,
/// Close) runs `on_close`, where the caller stops showing it.
#[component]
pub fn ModalPanel(
    #[prop(into)] title: TextProp,
    #[prop(into)] id: String,
    on_close: Callback<()>,
    children: ChildrenFn,
) -> impl IntoView {
    let open = RwSignal::new(true);
    Effect::new(move |_| {
        if !open.get() {
            on_close.run(());
        }
    });
    Dialog(
        DialogProps::builder()
            .open(open)
            .title(title)
            .id(id)
            .children(children)
            .build(),
    )
}

#[cfg(feature = "hydrate")]
mod browser {
    use leptos::prelude::*;
    use leptos::wasm_bindgen::JsCast;
    use web_sys::{HtmlDialogElement, HtmlElement, KeyboardEvent};

    const FOCUSABLE: &str = "button:not([disabled]), [href], input:not([disabled]):not([type=hidden]), \
                             select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";

    /// The element that had focus when the dialog opened.
    #[derive(Clone, Copy)]
    pub struct Opener(StoredValue<Option<HtmlElement>, LocalStorage>);

    impl Opener {
        pub fn new() -> Self {
            Opener(StoredValue::new_local(None))
        }

        pub fn remember(self) {
            let active = document()
                .active_element()
                .and_then(|e| e.dyn_into::<HtmlElement>().ok());
            self.0.set_value(active);
        }

        pub fn restore(self) {
            if let Some(Some(element)) = self.0.try_get_value() {
                // The opener may be gone (a row menu that closed): then focus stays where the
                // browser puts it.
                if element.is_connected() {
                    let _ = element.focus();
                }
            }
        }
    }

    fn focusable(dialog: &HtmlDialogElement) -> Vec<HtmlElement> {
        let Ok(list) = dialog.query_selector_all(FOCUSABLE) else {
            return Vec::new();
        };
        (0..list.length())
            .filter_map(|i| list.item(i))
            .filter_map(|node| node.dyn_into::<HtmlElement>().ok())
            .filter(|el| el.offset_parent().is_some())
            .collect()
    }

    /// The first field, or else the first control after the Close button.
    pub fn focus_first(dialog: &HtmlDialogElement) {
        let all = focusable(dialog);
        let field = all
            .iter()
            .find(|el| matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA"))
            .or_else(|| all.get(1))
            .or_else(|| all.first());
        if let Some(el) = field {
            let _ = el.focus();
        }
    }

    /// Tab from the last control goes to the first, Shift+Tab from the first to the last.
    pub fn keep_tab_inside(dialog: &HtmlDialogElement, ev: &KeyboardEvent) {
        let all = focusable(dialog);
        let (Some(first), Some(last)) = (all.first(), all.last()) else {
            return;
        };
        let active = document().active_element();
        let is = |el: &HtmlElement| {
            active
                .as_ref()
                .is_some_and(|a| a == el.unchecked_ref::<web_sys::Element>())
        };
        let inside = active.as_ref().is_some_and(|a| {
            let node: &web_sys::Node = a;
            dialog.contains(Some(node))
        });
        if ev.shift_key() && (is(first) || !inside) {
            ev.prevent_default();
            let _ = last.focus();
        } else if !ev.shift_key() && (is(last) || !inside) {
            ev.prevent_default();
            let _ = first.focus();
        }
    }
}
