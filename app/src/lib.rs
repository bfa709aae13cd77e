//! Roster's shared application: pages and server functions (both targets), services and
//! storage (server only). One folder per product area; see ARCHITECTURE in the README.

// Leptos view types nest deeply; the release WASM build needs more than the default 128.
#![recursion_limit = "256"]

pub mod activity;
pub mod auth;
pub mod domain;
pub mod groups;
pub mod integrations;
pub mod invites;
pub mod mail;
pub mod overview;
pub mod recovery;
mod routes;
pub mod sessions;
pub mod settings;
pub mod triggers;
pub mod two_factor;
pub mod ui;
pub mod users;

#[cfg(feature = "ssr")]
pub mod clock;
#[cfg(feature = "ssr")]
pub mod context;
#[cfg(feature = "ssr")]
pub mod crypto;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod metrics;
#[cfg(feature = "ssr")]
pub mod state;

use auth::view::AuthContext;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{path, Lazy, SsrMode};
use routes::*;

/// The HTML document around the app (server side only).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options=options.clone()/>
                <HashedStylesheet options=options id="leptos"/>
                <MetaTags/>
                <auth::snapshot::ViewerScript/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    AuthContext::provide();
    // Pages render after their data so that redirects (to /setup, /login) are real HTTP redirects.
    let ssr = SsrMode::Async;
    view! {
        <Title text="Roster"/>
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/setup") view={Lazy::<SetupRoute>::new()} ssr=ssr.clone()/>
                <Route path=path!("/login") view={Lazy::<LoginRoute>::new()} ssr=ssr.clone()/>
                <Route path=path!("/login/two-factor") view={Lazy::<SecondStepRoute>::new()} ssr=ssr.clone()/>
                <Route path=path!("/invite/:token") view={Lazy::<SignupRoute>::new()} ssr=ssr.clone()/>
                <Route path=path!("/forgot-password") view={Lazy::<ForgotPasswordRoute>::new()} ssr=ssr.clone()/>
                <Route path=path!("/reset-password/:token") view={Lazy::<ResetPasswordRoute>::new()} ssr=ssr.clone()/>
                <ParentRoute path=path!("") view={Lazy::<ConsoleRoute>::new()} ssr=ssr.clone()>
                    <Route path=path!("") view={Lazy::<HomeRoute>::new()} ssr=ssr.clone()/>
                    <Route path=path!("/profile") view={Lazy::<ProfileRoute>::new()} ssr=ssr.clone()/>
                    <Route path=path!("/profile/security") view={Lazy::<SecurityRoute>::new()} ssr=ssr.clone()/>
                    <Route path=path!("/two-factor/setup") view={Lazy::<TwoFactorSetupRoute>::new()} ssr=ssr.clone()/>
                    <Route path=path!("/settings/users") view={Lazy::<UsersRoute>::new()} ssr=ssr.clone()/>
                    <Route path=path!("/settings/users/invite-csv") view={Lazy::<InviteCsvRoute>::new()} ssr=ssr.clone()/>
                    <Route path=path!("/settings/groups") view={Lazy::<GroupsRoute>::new()} ssr=ssr.clone()/>
                    <Route path=path!("/settings/email") view={Lazy::<EmailConfigRoute>::new()} ssr=ssr.clone()/>
                    <Route path=path!("/settings/general") view={Lazy::<GeneralSettingsRoute>::new()} ssr=ssr.clone()/>
                    <Route path=path!("/settings/activity") view={Lazy::<ActivityRoute>::new()} ssr=ssr.clone()/>
                    <Route path=path!("/settings/integrations") view={Lazy::<IntegrationsRoute>::new()} ssr=ssr.clone()/>
                    <Route path=path!("/settings/triggers") view={Lazy::<TriggersRoute>::new()} ssr=ssr.clone()/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
            options.set_status(http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <main class="auth-page">
            <div class="card">
                <h1>"Page not found"</h1>
                <p><a href="/">"Back to the console"</a></p>
            </div>
        </main>
    }
}
