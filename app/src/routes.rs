//! Each page as a lazily loaded route: built with `cargo leptos --split`, the browser downloads
//! a page's code only when it shows that page, so the sign-in pages do not carry the console.
//! The server renders them as before. Adding a page: one `lazy_page!` line here, one `<Route>`
//! in `App`.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

macro_rules! lazy_page {
    ($($route:ident => $page:path,)*) => {$(
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(this: Self) -> AnyView {
                let _ = this;
                view! { <$page/> }.into_any()
            }
        }
    )*};
}

lazy_page! {
    SetupRoute => crate::auth::view::SetupPage,
    LoginRoute => crate::auth::view::LoginPage,
    SecondStepRoute => crate::auth::code_page::SecondStepPage,
    SignupRoute => crate::invites::view::SignupPage,
    ForgotPasswordRoute => crate::recovery::view::ForgotPasswordPage,
    ResetPasswordRoute => crate::recovery::view::ResetPasswordPage,
    ConsoleRoute => crate::auth::view::ConsoleLayout,
    HomeRoute => crate::overview::view::HomePage,
    ProfileRoute => crate::auth::view::ProfilePage,
    SecurityRoute => crate::sessions::view::SecurityPage,
    TwoFactorSetupRoute => crate::two_factor::view::TwoFactorSetupPage,
    UsersRoute => crate::users::view::UsersPage,
    InviteCsvRoute => crate::invites::csv_view::InviteCsvPage,
    GroupsRoute => crate::groups::view::GroupsPage,
    EmailConfigRoute => crate::mail::view::EmailConfigPage,
    GeneralSettingsRoute => crate::settings::view::GeneralSettingsPage,
    ActivityRoute => crate::activity::view::ActivityPage,
    IntegrationsRoute => crate::integrations::view::IntegrationsPage,
    TriggersRoute => crate::triggers::view::TriggersPage,
}
