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

use auth::view::{AuthContext, ConsoleLayout, LoginPage, ProfilePage, SetupPage};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{path, SsrMode};

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
    mark_hydrated();
    // Pages render after their data so that redirects (to /setup, /login) are real HTTP redirects.
    let ssr = SsrMode::Async;
    view! {
        <Title text="Roster"/>
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/setup") view=SetupPage ssr=ssr.clone()/>
                <Route path=path!("/login") view=LoginPage ssr=ssr.clone()/>
                <Route path=path!("/login/two-factor") view=auth::code_page::SecondStepPage ssr=ssr.clone()/>
                <Route path=path!("/invite/:token") view=invites::view::SignupPage ssr=ssr.clone()/>
                <Route path=path!("/forgot-password") view=recovery::view::ForgotPasswordPage ssr=ssr.clone()/>
                <Route path=path!("/reset-password/:token") view=recovery::view::ResetPasswordPage ssr=ssr.clone()/>
                <ParentRoute path=path!("") view=ConsoleLayout ssr=ssr.clone()>
                    <Route path=path!("") view=overview::view::HomePage ssr=ssr.clone()/>
                    <Route path=path!("/profile") view=ProfilePage ssr=ssr.clone()/>
                    <Route path=path!("/profile/security") view=sessions::view::SecurityPage ssr=ssr.clone()/>
                    <Route path=path!("/two-factor/setup") view=two_factor::view::TwoFactorSetupPage ssr=ssr.clone()/>
                    <Route path=path!("/settings/users") view=users::view::UsersPage ssr=ssr.clone()/>
                    <Route path=path!("/settings/users/invite-csv") view=invites::csv_view::InviteCsvPage ssr=ssr.clone()/>
                    <Route path=path!("/settings/groups") view=groups::view::GroupsPage ssr=ssr.clone()/>
                    <Route path=path!("/settings/email") view=mail::view::EmailConfigPage ssr=ssr.clone()/>
                    <Route path=path!("/settings/general") view=settings::view::GeneralSettingsPage ssr=ssr.clone()/>
                    <Route path=path!("/settings/activity") view=activity::view::ActivityPage ssr=ssr.clone()/>
                    <Route path=path!("/settings/integrations") view=integrations::view::IntegrationsPage ssr=ssr.clone()/>
                    <Route path=path!("/settings/triggers") view=triggers::view::TriggersPage ssr=ssr.clone()/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// Marks `<body data-hydrated>` once the WASM has taken over (effects run only in the browser),
/// so tests and tools can wait for an interactive page.
fn mark_hydrated() {
    Effect::new(|_| {
        #[cfg(feature = "hydrate")]
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "");
        }
    });
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
