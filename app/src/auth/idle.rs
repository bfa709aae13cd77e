//! The warning before idle sign-out (WCAG 2.2.1, Timing Adjustable) and the notice before a
//! session's absolute limit, on every console page; and the login page's "why you were signed
//! out".
//!
//! The server decides when a session ends (`timeouts::clock`); the page's snapshot carries those
//! deadlines (`Me::session`) and the browser counts down to them on its own clock. Every
//! server-function call in this console is something a person did (nothing polls), so a call is
//! activity: the browser sees each as it starts by wrapping the global `fetch` (through which
//! server functions call) rather than at every call site. (A `PerformanceObserver` reports a
//! request only some time after it ended, by when the clock may have moved on.) Open tabs share
//! their deadline over a `BroadcastChannel`, so staying signed in in one tab closes the warning
//! in the others.

use super::{SessionClock, SignOutReason};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The warning opens this long before the idle deadline: two minutes, never less than the 20
/// seconds WCAG 2.2.1 asks for (the shortest idle timeout, 5 minutes, leaves room for both).
const WARN_BEFORE_MS: f64 = 120_000.0;
/// The notice before the absolute limit shows this long before it.
const LIMIT_NOTICE_MS: f64 = 300_000.0;

/// A session's deadlines on the browser's clock (milliseconds, as `Date.now()`). Only the
/// browser counts (the server renders the closed dialog), hence the `dead_code` allowance.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
struct Deadlines {
    idle: f64,
    absolute: f64,
    /// The idle timeout: a new request moves the idle deadline this far past it.
    idle_ms: f64,
}

#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
impl Deadlines {
    /// `clock` as the server read it, seen from the browser at `local_now`: counted from the
    /// server's `now`, so a browser clock that is off by minutes still warns in time.
    fn from_server(clock: SessionClock, local_now: f64) -> Self {
        let skew = local_now - clock.now as f64 * 1000.0;
        Deadlines {
            idle: clock.idle_deadline as f64 * 1000.0 + skew,
            absolute: clock.absolute_deadline as f64 * 1000.0 + skew,
            idle_ms: clock.idle_secs as f64 * 1000.0,
        }
    }

    /// The idle deadline after a request sent at `at` (the server sees it then or later). The
    /// server writes the session's last activity at most once a minute, so it may hold a time up
    /// to a minute earlier: count from there, never past the server's deadline.
    fn after_request(&self, at: f64) -> f64 {
        at - super::LAST_SEEN_EVERY_SECS as f64 * 1000.0 + self.idle_ms
    }

    /// Seconds until idle sign-out while the warning is open; `None` when it is closed (or when
    /// the absolute limit comes first, which staying signed in cannot move).
    fn warning(&self, now: f64) -> Option<i64> {
        let left = self.idle - now;
        (self.idle < self.absolute && left > 0.0 && left <= WARN_BEFORE_MS).then(|| (left / 1000.0).ceil() as i64)
    }

    /// Whether the absolute limit is near enough to say when it comes.
    fn limit_near(&self, now: f64) -> bool {
        let left = self.absolute - now;
        left > 0.0 && left <= LIMIT_NOTICE_MS
    }

    /// Why the session is over at `now`, if it is.
    fn over(&self, now: f64) -> Option<SignOutReason> {
        if now >= self.absolute && self.absolute <= self.idle {
            Some(SignOutReason::Expired)
        } else if now >= self.idle {
            Some(SignOutReason::Idle)
        } else {
            None
        }
    }
}

/// Whether a request this page makes (to `url`, absolute or a path) is a server-function call
/// of this console: those are what a person did. Signing out is not.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
fn is_activity(origin: &str, url: &str) -> bool {
    let path = url.strip_prefix(origin).unwrap_or(url);
    path.starts_with("/api/") && !path.starts_with("/api/auth/timed-out")
}

/// `m:ss`, as the countdown shows it.
fn minutes_seconds(secs: i64) -> String {
    let secs = secs.max(0);
    format!("{}:{:02}", secs / 60, secs % 60)
}

/// The warning dialog and the absolute-limit notice for a console page. `clock` is the
/// session's as the page load found it; without one nothing is shown.
#[component]
pub fn SessionTimer(clock: Option<SessionClock>) -> impl IntoView {
    // Both stay empty on the server and until the page has hydrated, so the first render is
    // the same on both sides; the browser sets them in an effect.
    let deadlines = RwSignal::new(None::<Deadlines>);
    let now = RwSignal::new(0.0_f64);
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    let warning = Memo::new(move |_| deadlines.get().and_then(|d| d.warning(now.get())));
    let warning_open = Memo::new(move |_| warning.get().is_some());
    let limit_at = Memo::new(move |_| deadlines.get().filter(|d| d.limit_near(now.get())).map(|d| d.absolute));

    #[cfg(feature = "hydrate")]
    {
        Effect::new(move |_| browser::start(clock, deadlines, now));
        Effect::new(move |_| {
            if let Some(reason) = deadlines.get().and_then(|d| d.over(now.get())) {
                browser::time_out(reason, true);
            }
        });
        // A modal `<dialog>`: focus moves to its first button and stays inside; the rest of the
        // page is inert until it closes.
        Effect::new(move |_| {
            let open = warning_open.get();
            if let Some(dialog) = dialog.get() {
                if open && !dialog.open() {
                    let _ = dialog.show_modal();
                } else if !open && dialog.open() {
                    dialog.close();
                }
            }
        });
        on_cleanup(browser::stop);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = clock;

    let stay = move || {
        #[cfg(feature = "hydrate")]
        browser::stay(deadlines);
    };
    let sign_out = move || {
        #[cfg(feature = "hydrate")]
        browser::sign_out();
    };
    let countdown = move || minutes_seconds(warning.get().unwrap_or(0));
    view! {
        <dialog
            node_ref=dialog
            class="session-dialog"
            aria-modal="true"
            aria-labelledby="session-warning-title"
            aria-describedby="session-warning-text"
            // Escape means "Stay signed in" (and must not just close the dialog).
            on:keydown=move |ev| {
                if ev.key() == "Escape" {
                    ev.prevent_default();
                    stay();
                }
            }
            // Closed by the browser, not by us (a repeated Escape): that is still "stay".
            on:close=move |_| {
                if warning_open.get_untracked() {
                    stay();
                }
            }
        >
            <h2 id="session-warning-title">"Are you still there?"</h2>
            <p id="session-warning-text">
                "You have been inactive for a while. For your security you will be signed out in "
                <strong role="timer">{countdown}</strong>
                "."
            </p>
            <div class="actions">
                <button type="button" class="primary" autofocus=true on:click=move |_| stay()>"Stay signed in"</button>
                <button type="button" class="secondary" on:click=move |_| sign_out()>"Sign out"</button>
            </div>
        </dialog>
        <Show when=move || limit_at.get().is_some()>
            <p class="notice session-limit" role="status">
                {move || {
                    format!(
                        "Your session ends at {}: it has reached the longest a session may last and cannot be extended. Save your work; you will need to sign in again.",
                        local_time(limit_at.get().unwrap_or_default()),
                    )
                }}
            </p>
        </Show>
    }
}

/// `HH:MM` on the browser's clock, in its time zone.
#[cfg(feature = "hydrate")]
fn local_time(ms: f64) -> String {
    let date = web_sys::js_sys::Date::new(&ms.into());
    format!("{:02}:{:02}", date.get_hours(), date.get_minutes())
}

#[cfg(not(feature = "hydrate"))]
fn local_time(_ms: f64) -> String {
    String::new()
}

/// The login page's "why you were signed out" (`?reason=`), naming the timeouts in force.
#[component]
pub fn SignOutNotice() -> impl IntoView {
    let reason = use_query_map()
        .read_untracked()
        .get("reason")
        .and_then(|code| SignOutReason::from_code(&code));
    reason.map(|reason| {
        let limits = Resource::new(|| (), |_| super::api::session_limits());
        view! {
            <Suspense>
                {crate::ui::suspense_body(move || Suspend::new(async move {
                    let limits = limits.await.ok();
                    view! { <p class="notice" role="status">{reason.message(limits)}</p> }
                }))}
            </Suspense>
        }
    })
}

/// The browser's side: the clock, activity, the other tabs, and the calls to the server.
#[cfg(feature = "hydrate")]
mod browser {
    use super::{is_activity, Deadlines, SessionClock, SignOutReason};
    use leptos::prelude::*;
    use std::cell::{Cell, RefCell};
    use std::time::Duration;
    use web_sys::js_sys;
    use web_sys::wasm_bindgen::closure::Closure;
    use web_sys::wasm_bindgen::{JsCast, JsValue};

    const CHANNEL: &str = "roster-session";

    /// What runs while a console page is open; dropping it stops all of it.
    struct Running {
        channel: Option<web_sys::BroadcastChannel>,
        interval: Option<IntervalHandle>,
        /// The page's own `fetch`, put back when this stops, and the wrapper standing in for it.
        fetch: Option<(js_sys::Function, FetchWrapper)>,
        _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    }

    type FetchWrapper = Closure<dyn FnMut(JsValue, JsValue) -> JsValue>;

    impl Drop for Running {
        fn drop(&mut self) {
            if let Some(channel) = &self.channel {
                channel.close();
            }
            if let Some((original, _)) = &self.fetch {
                let _ = js_sys::Reflect::set(&js_sys::global(), &JsValue::from_str("fetch"), original);
            }
            if let Some(interval) = &self.interval {
                interval.clear();
            }
        }
    }

    thread_local! {
        static RUNNING: RefCell<Option<Running>> = const { RefCell::new(None) };
        /// Signing out has begun: nothing else is sent.
        static ENDING: Cell<bool> = const { Cell::new(false) };
        /// A "Stay signed in" call is on its way.
        static STAYING: Cell<bool> = const { Cell::new(false) };
    }

    pub fn start(clock: Option<SessionClock>, deadlines: RwSignal<Option<Deadlines>>, now: RwSignal<f64>) {
        stop();
        ENDING.set(false);
        let Some(clock) = clock else {
            return;
        };
        let local = js_sys::Date::now();
        let fresh = Deadlines::from_server(clock, local);
        deadlines.set(Some(fresh));
        now.set(local);
        let interval = set_interval_with_handle(move || now.set(js_sys::Date::now()), Duration::from_secs(1)).ok();

        let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            if let Some(text) = event.data().as_string() {
                heard(&text, deadlines);
            }
        });
        let channel = web_sys::BroadcastChannel::new(CHANNEL).ok();
        if let Some(channel) = &channel {
            channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        }

        let fetch = wrap_fetch(deadlines);
        RUNNING.with_borrow_mut(|running| {
            *running = Some(Running {
                channel,
                interval,
                fetch,
                _on_message: on_message,
            })
        });
        // This page load was a request: other tabs may count from it.
        post(&format!("deadline:{}", fresh.idle));
    }

    /// Puts a wrapper in place of the global `fetch` that notes each server call as it starts.
    /// server_fn's client (gloo-net) looks `fetch` up at every call, so all of them pass here.
    fn wrap_fetch(deadlines: RwSignal<Option<Deadlines>>) -> Option<(js_sys::Function, FetchWrapper)> {
        let global = js_sys::global();
        let name = JsValue::from_str("fetch");
        let original: js_sys::Function = js_sys::Reflect::get(&global, &name).ok()?.dyn_into().ok()?;
        let origin = window().location().origin().unwrap_or_default();
        let call = original.clone();
        let this = global.clone();
        let wrapper = FetchWrapper::new(move |input: JsValue, init: JsValue| {
            let url = input
                .dyn_ref::<web_sys::Request>()
                .map(web_sys::Request::url)
                .or_else(|| input.as_string())
                .unwrap_or_default();
            if is_activity(&origin, &url) {
                if let Some(d) = deadlines.get_untracked() {
                    extend(deadlines, d.after_request(js_sys::Date::now()), true);
                }
            }
            call.call2(&this, &input, &init)
                .unwrap_or_else(|error| js_sys::Promise::reject(&error).into())
        });
        js_sys::Reflect::set(&global, &name, wrapper.as_ref()).ok()?;
        Some((original, wrapper))
    }

    pub fn stop() {
        RUNNING.with_borrow_mut(|running| running.take());
    }

    fn post(message: &str) {
        RUNNING.with_borrow(|running| {
            if let Some(channel) = running.as_ref().and_then(|r| r.channel.as_ref()) {
                let _ = channel.post_message(&JsValue::from_str(message));
            }
        });
    }

    /// A message from another tab of this browser.
    fn heard(message: &str, deadlines: RwSignal<Option<Deadlines>>) {
        if let Some(at) = message.strip_prefix("deadline:").and_then(|at| at.parse().ok()) {
            extend(deadlines, at, false);
        } else if let Some(reason) = message.strip_prefix("timed-out:").and_then(SignOutReason::from_code) {
            time_out(reason, false);
        } else if message == "signed-out" {
            // The session is gone: the page load says so and returns here after sign-in.
            let _ = window().location().reload();
        }
    }

    /// Moves the idle deadline later (never earlier: every tab's figure is one the server's
    /// deadline is at least as late as), and tells the other tabs.
    fn extend(deadlines: RwSignal<Option<Deadlines>>, idle: f64, tell_others: bool) {
        if ENDING.get() {
            return;
        }
        let moved = deadlines
            .try_update(|d| match d {
                Some(d) if idle > d.idle => {
                    d.idle = idle;
                    true
                }
                _ => false,
            })
            .unwrap_or(false);
        if moved && tell_others {
            post(&format!("deadline:{idle}"));
        }
    }

    pub fn stay(deadlines: RwSignal<Option<Deadlines>>) {
        if STAYING.replace(true) || ENDING.get() {
            return;
        }
        leptos::task::spawn_local(async move {
            let result = crate::auth::api::stay_signed_in().await;
            STAYING.set(false);
            match result {
                Ok(clock) => extend(deadlines, Deadlines::from_server(clock, js_sys::Date::now()).idle, true),
                // The session ended meanwhile (signed out elsewhere, access disabled): the page
                // load takes the user to the login page, which says why.
                Err(_) => {
                    let _ = window().location().reload();
                }
            }
        });
    }

    pub fn sign_out() {
        if ENDING.replace(true) {
            return;
        }
        post("signed-out");
        leptos::task::spawn_local(async {
            // On success the server's redirect (a full page load) takes over.
            if crate::auth::api::logout().await.is_err() {
                let _ = window().location().set_href("/login");
            }
        });
    }

    /// The countdown ran out (here, or in another tab): end the session and go to the login
    /// page, which names the timeout and returns to this page after sign-in.
    pub fn time_out(reason: SignOutReason, tell_others: bool) {
        if ENDING.replace(true) {
            return;
        }
        if tell_others {
            post(&format!("timed-out:{}", reason.code()));
        }
        let location = window().location();
        let next = format!(
            "{}{}",
            location.pathname().unwrap_or_default(),
            location.search().unwrap_or_default()
        );
        leptos::task::spawn_local(async move {
            let ended = crate::auth::api::timed_out(reason.code().to_string(), Some(next.clone())).await;
            if ended.is_err() {
                let target = format!("/login?reason={}&next={}", reason.code(), crate::ui::url_encode(&next));
                let _ = window().location().set_href(&target);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(idle_deadline: i64, absolute_deadline: i64) -> SessionClock {
        SessionClock {
            now: 1_000,
            idle_secs: 300,
            idle_deadline,
            absolute_deadline,
        }
    }

    #[test]
    fn deadlines_count_from_the_servers_now_whatever_the_browsers_clock_says() {
        // The browser's clock is 10 minutes ahead of the server's.
        let local = 1_600_000.0;
        let d = Deadlines::from_server(session(1_300, 5_000), local);
        assert_eq!(d.idle, local + 300_000.0);
        assert_eq!(d.absolute, local + 4_000_000.0);
        assert_eq!(d.after_request(local), local + 240_000.0, "a minute of slack");
    }

    #[test]
    fn the_warning_opens_two_minutes_before_idle_sign_out() {
        let d = Deadlines::from_server(session(1_300, 50_000), 1_000_000.0);
        assert_eq!(d.warning(1_000_000.0), None);
        assert_eq!(d.warning(1_179_000.0), None);
        assert_eq!(d.warning(1_180_000.0), Some(120));
        assert_eq!(d.warning(1_299_500.0), Some(1));
        assert_eq!(d.warning(1_300_000.0), None);
        assert_eq!(d.over(1_299_999.0), None);
        assert_eq!(d.over(1_300_000.0), Some(SignOutReason::Idle));
        assert!(!d.limit_near(1_299_000.0));
    }

    #[test]
    fn near_the_absolute_limit_a_notice_and_no_warning_that_staying_could_not_keep() {
        // The limit comes a minute before the idle deadline.
        let d = Deadlines::from_server(session(1_300, 1_240), 1_000_000.0);
        assert!(!d.limit_near(900_000.0));
        assert!(d.limit_near(1_000_000.0));
        assert_eq!(d.warning(1_200_000.0), None);
        assert_eq!(d.over(1_240_000.0), Some(SignOutReason::Expired));
    }

    #[test]
    fn only_this_consoles_server_calls_are_activity() {
        let origin = "https://roster.example.com";
        assert!(is_activity(origin, "https://roster.example.com/api/users/list"));
        assert!(is_activity(
            origin,
            "https://roster.example.com/api/auth/stay-signed-in"
        ));
        assert!(!is_activity(origin, "https://roster.example.com/api/auth/timed-out"));
        assert!(!is_activity(origin, "https://roster.example.com/pkg/roster.wasm"));
        assert!(!is_activity(origin, "https://elsewhere.example/api/users/list"));
        assert!(is_activity(origin, "/api/users/list"));
    }

    #[test]
    fn countdown_reads_minutes_and_seconds() {
        assert_eq!(minutes_seconds(120), "2:00");
        assert_eq!(minutes_seconds(59), "0:59");
        assert_eq!(minutes_seconds(-3), "0:00");
    }
}
