//! The browser entry point: hydrates the server-rendered page.

use std::cell::Cell;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

thread_local! {
    static HYDRATING: Cell<bool> = const { Cell::new(true) };
}

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    let Some(window) = web_sys::window() else {
        return;
    };
    // Server functions redirect only at session boundaries (setup, sign-in, signup, sign-out).
    // Those get a full page load, so no state from the previous session survives in the tab.
    // Installed before the router's own (soft-navigation) hook, which then stays unset.
    let _ = server_fn::redirect::set_redirect_hook(|path: &str| {
        if let Some(window) = web_sys::window() {
            let _ = window.location().set_href(path);
        }
    });
    hold_clicks_until_hydrated(&window);
    // Pages are lazily loaded routes (`cargo leptos --split`): hydration waits for the page's
    // code. `<body data-hydrated>` is set once it is done, so tests and tools can wait for an
    // interactive page.
    wasm_bindgen_futures::spawn_local(async move {
        let Some(body) = window.document().and_then(|d| d.body()) else {
            return;
        };
        let app = leptos::mount::hydrate_from_async(body.clone(), app::App).await;
        app.forget();
        HYDRATING.with(|hydrating| hydrating.set(false));
        let _ = body.set_attribute("data-hydrated", "");
    });
}

/// Until the page has hydrated (its route's code may still be arriving), clicks go to the
/// browser alone: a link is an ordinary page load, as before any WASM ran. The router would
/// otherwise navigate in the middle of hydration, which leaves the page dead (tachys panics on
/// the half-hydrated tree).
fn hold_clicks_until_hydrated(window: &web_sys::Window) {
    let guard = Closure::<dyn Fn(web_sys::Event)>::new(|event: web_sys::Event| {
        if HYDRATING.with(Cell::get) {
            event.stop_immediate_propagation();
        }
    });
    // Capture phase on the window: before any listener the app or the router adds.
    let _ = window.add_event_listener_with_callback_and_bool("click", guard.as_ref().unchecked_ref(), true);
    guard.forget();
}
