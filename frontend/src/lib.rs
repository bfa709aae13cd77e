//! The browser entry point: hydrates the server-rendered page.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Server functions redirect only at session boundaries (setup, sign-in, signup, sign-out).
    // Those get a full page load, so no state from the previous session survives in the tab.
    // Installed before the router's own (soft-navigation) hook, which then stays unset.
    let _ = server_fn::redirect::set_redirect_hook(|path: &str| {
        if let Some(window) = web_sys::window() {
            let _ = window.location().set_href(path);
        }
    });
    leptos::mount::hydrate_body(app::App);
}
