//! Setup, login and profile pages, and the console frame that guards every signed-in page.

use super::api::{ChangePassword, Login, Logout, RegisterFirstAdmin, UpdateMyName};
use super::snapshot::PageViewer;
use super::{Me, Viewer};
use crate::domain::{confirmation_problem, password_problem, AppError, Permission, PASSWORD_MAX, PASSWORD_MIN};
use crate::invites::api::CompleteSignup;
use crate::ui::nav::{MenuButton, SettingsNav};
use crate::ui::toast::ToastRegion;
use crate::ui::{action_error, Field, FormError, Page, Toasts};
use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect, A};
use leptos_router::hooks::{use_location, use_query_map};

/// The viewer of this page load (see `snapshot`) and the session actions, shared by every page.
#[derive(Clone, Copy)]
pub struct AuthContext {
    pub viewer: StoredValue<PageViewer>,
    pub login: ServerAction<Login>,
    pub logout: ServerAction<Logout>,
    pub setup: ServerAction<RegisterFirstAdmin>,
    pub signup: ServerAction<CompleteSignup>,
}

impl AuthContext {
    pub fn provide() -> Self {
        let ctx = AuthContext {
            viewer: StoredValue::new(super::snapshot::read()),
            login: ServerAction::<Login>::new(),
            logout: ServerAction::<Logout>::new(),
            setup: ServerAction::<RegisterFirstAdmin>::new(),
            signup: ServerAction::<CompleteSignup>::new(),
        };
        provide_context(ctx);
        ctx
    }
}

fn auth() -> AuthContext {
    expect_context::<AuthContext>()
}

/// Every signed-in page sits inside this: it sends visitors to /setup or /login (and back
/// afterwards), and draws the top bar.
#[component]
pub fn ConsoleLayout() -> impl IntoView {
    let location = use_location();
    match auth().viewer.get_value() {
        Ok(Viewer::SignedIn(me))
            if me.enrol_only && location.pathname.get_untracked() != crate::two_factor::ENROL_PATH =>
        {
            view! { <Redirect path=crate::two_factor::ENROL_PATH/> }.into_any()
        }
        Ok(Viewer::SignedIn(me)) => {
            provide_context(me.clone());
            let toasts = Toasts::provide();
            let nav_open = RwSignal::new(false);
            // A session confined to 2FA enrolment has nowhere else to go.
            let with_nav = !me.enrol_only;
            let nav = with_nav.then(|| view! { <SettingsNav me=me.clone() open=nav_open/> });
            view! {
                <super::idle::SessionTimer clock=me.session/>
                <TopBar me=me nav_open=nav_open/>
                <div class="console" class:with-nav=with_nav>
                    {nav}
                    <main class="console-main">
                        <Outlet/>
                    </main>
                </div>
                <ToastRegion toasts=toasts/>
            }
            .into_any()
        }
        Ok(Viewer::SetupRequired { .. }) => view! { <Redirect path="/setup"/> }.into_any(),
        Ok(Viewer::Anonymous { reason }) => {
            let search = location.search.get_untracked();
            let here = if search.is_empty() {
                location.pathname.get_untracked()
            } else {
                format!("{}?{}", location.pathname.get_untracked(), search)
            };
            let mut target = format!("/login?next={}", crate::ui::url_encode(&here));
            if let Some(reason) = reason {
                target.push_str("&reason=");
                target.push_str(reason.code());
            }
            view! { <Redirect path=target/> }.into_any()
        }
        Err(error) => view! { <p class="form-error">{error.to_string()}</p> }.into_any(),
    }
}

/// The brand, the Menu button (narrow screens) and the user's menu. The settings sections are
/// in the navigation beside the page (`ui::nav`).
#[component]
fn TopBar(me: Me, nav_open: RwSignal<bool>) -> impl IntoView {
    let ctx = auth();
    view! {
        <header class="topbar">
            <div class="topbar-start">
                {(!me.enrol_only).then(|| view! { <MenuButton open=nav_open/> })}
                <A href="/" attr:class="brand">"Roster"</A>
            </div>
            <nav class="menus" aria-label="Account">
                <details class="menu user-menu">
                    <summary>{me.display_name()}</summary>
                    <ul>
                        {(!me.enrol_only).then(|| view! { <li><A href="/profile">"Profile"</A></li> })}
                        <li>
                            <ActionForm action=ctx.logout>
                                <button type="submit" class="link-button">"Sign out"</button>
                            </ActionForm>
                        </li>
                    </ul>
                </details>
            </nav>
        </header>
    }
}

#[component]
pub fn ProfilePage() -> impl IntoView {
    let me = expect_context::<Me>();
    view! {
        <Page title="Profile">
            <RecoveryCodeSignInNotice/>
            <dl class="details">
                <dt>"Name"</dt><dd>{me.display_name()}</dd>
                <dt>"Email"</dt><dd>{me.email.clone()}</dd>
                <dt>"Role"</dt><dd>{me.role.label()}</dd>
            </dl>
            <p><A href="/profile/security">"Security: active sessions and sign-in history"</A></p>
            <EditMyNameForm first_name=me.first_name.clone() last_name=me.last_name.clone()/>
            <ChangePasswordForm/>
            <crate::two_factor::view::TwoFactorSection/>
        </Page>
    }
}

/// After signing in with a recovery code: how many are left, and a nudge to make new ones when
/// few are.
#[component]
fn RecoveryCodeSignInNotice() -> impl IntoView {
    let query = use_query_map();
    let left = query
        .read_untracked()
        .get("recovery_codes_left")
        .and_then(|n| n.parse::<i64>().ok());
    let next = super::safe_next_path(query.read_untracked().get("next").as_deref());
    left.map(|left| {
        let low = left <= 2;
        view! {
            <div class="notice" role="status">
                <p>{format!("You signed in with a recovery code. {left} recovery codes left.")}</p>
                {low.then(|| view! { <p><strong>"Regenerate your recovery codes now"</strong>" (below), so you are not locked out when they run out."</p> })}
                {(next != "/profile").then(|| view! { <p><a href=next.clone()>"Continue"</a></p> })}
            </div>
        }
    })
}

/// Any signed-in user changes their own name.
#[component]
fn EditMyNameForm(first_name: String, last_name: String) -> impl IntoView {
    let save = ServerAction::<UpdateMyName>::new();
    let error = action_error(save);
    let pending = save.pending();
    view! {
        <section class="panel">
            <h2>"Your name"</h2>
            <ActionForm action=save>
                <FormError error=error/>
                <div class="row">
                    <Field name="first_name" label="First name" autocomplete="given-name" value=first_name server_error=error/>
                    <Field name="last_name" label="Last name" autocomplete="family-name" value=last_name server_error=error/>
                </div>
                <button type="submit" class="primary" disabled=move || pending.get()>"Save name"</button>
            </ActionForm>
        </section>
    }
}

/// Any signed-in user changes their own password; their other sessions end.
#[component]
fn ChangePasswordForm() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let error = action_error(change);
    let pending = change.pending();
    let password = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let done = move || {
        change.value().get().and_then(Result::ok).map(|ended| match ended {
            0 => "Your password was changed.".to_string(),
            1 => "Your password was changed. Your other session was signed out.".to_string(),
            n => format!("Your password was changed. Your {n} other sessions were signed out."),
        })
    };
    view! {
        <section class="panel">
            <h2>"Change password"</h2>
            <Show when=move || done().is_some()>
                <p class="notice" role="status">{done}</p>
            </Show>
            <ActionForm action=change>
                <FormError error=error/>
                <Field
                    name="current_password"
                    label="Current password"
                    kind="password"
                    autocomplete="current-password"
                    server_error=error
                />
                <NewPasswordFields password=password confirm=confirm server_error=error/>
                <button type="submit" class="primary" disabled=move || pending.get() || !passwords_ready(password, confirm)>
                    "Change password"
                </button>
            </ActionForm>
        </section>
    }
}

/// A centred card for the pages seen before signing in.
#[component]
pub fn AuthCard(children: Children) -> impl IntoView {
    view! {
        <main class="auth-page">
            <div class="card">
                <p class="brand">"Roster"</p>
                {children()}
            </div>
        </main>
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let next = use_query_map().read_untracked().get("next").unwrap_or_default();
    match auth().viewer.get_value() {
        Ok(Viewer::SetupRequired { .. }) => view! { <Redirect path="/setup"/> }.into_any(),
        Ok(Viewer::SignedIn(_)) => view! { <Redirect path=super::safe_next_path(Some(&next))/> }.into_any(),
        _ => view! { <LoginForm next=next/> }.into_any(),
    }
}

#[component]
fn LoginForm(next: String) -> impl IntoView {
    let ctx = auth();
    let error = action_error(ctx.login);
    let pending = ctx.login.pending();
    view! {
        <AuthCard>
            <h1>"Sign in"</h1>
            <super::idle::SignOutNotice/>
            <ActionForm action=ctx.login>
                <FormError error=error/>
                <Field name="email" label="Email" kind="email" autocomplete="username" server_error=error/>
                <Field name="password" label="Password" kind="password" autocomplete="current-password" server_error=error/>
                <input type="hidden" name="next" value=next/>
                <button type="submit" class="primary" disabled=move || pending.get()>"Sign in"</button>
            </ActionForm>
            <p><a href="/forgot-password">"Forgot password?"</a></p>
        </AuthCard>
    }
}

#[component]
pub fn SetupPage() -> impl IntoView {
    match auth().viewer.get_value() {
        Ok(Viewer::SetupRequired { suggested_console_url }) => {
            view! { <SetupForm console_url=suggested_console_url/> }.into_any()
        }
        // Once anyone exists, registration is gone for good: show the login page.
        Ok(Viewer::SignedIn(_)) => view! { <Redirect path="/"/> }.into_any(),
        _ => view! { <LoginForm next="/".to_string()/> }.into_any(),
    }
}

/// A new password typed twice, checked against the policy as the user types. The parent owns
/// the two signals so it can tell when the form is ready to submit.
#[component]
pub fn NewPasswordFields(
    password: RwSignal<String>,
    confirm: RwSignal<String>,
    #[prop(into)] server_error: Signal<Option<AppError>>,
    /// The first field's label ("Password" unless given).
    #[prop(into, optional)]
    label: Option<String>,
) -> impl IntoView {
    let password_error = Signal::derive(move || {
        let pw = password.get();
        (!pw.is_empty()).then(|| password_problem(&pw)).flatten()
    });
    let confirm_error = Signal::derive(move || {
        let c = confirm.get();
        // Only once the user has started typing the confirmation.
        (!c.is_empty())
            .then(|| confirmation_problem(&password.get(), &c))
            .flatten()
    });
    view! {
        <Field
            name="password"
            label=label.unwrap_or_else(|| "Password".into())
            kind="password"
            autocomplete="new-password"
            hint=format!("{PASSWORD_MIN} to {PASSWORD_MAX} characters, and not a commonly used password.")
            local_error=password_error
            server_error=server_error
            on_input=Callback::new(move |v| password.set(v))
        />
        <Field
            name="password_confirm"
            label="Confirm password"
            kind="password"
            autocomplete="new-password"
            local_error=confirm_error
            server_error=server_error
            on_input=Callback::new(move |v| confirm.set(v))
        />
    }
}

/// True when the password meets the policy and both entries match.
pub fn passwords_ready(password: RwSignal<String>, confirm: RwSignal<String>) -> bool {
    let pw = password.get();
    !pw.is_empty() && password_problem(&pw).is_none() && confirmation_problem(&pw, &confirm.get()).is_none()
}

#[component]
fn SetupForm(console_url: String) -> impl IntoView {
    let ctx = auth();
    let error = action_error(ctx.setup);
    let pending = ctx.setup.pending();
    let password = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    view! {
        <AuthCard>
            <h1>"Welcome to Roster"</h1>
            <p>"Create the first account. It becomes the Global Administrator, who invites everyone else."</p>
            <ActionForm action=ctx.setup>
                <FormError error=error/>
                <div class="row">
                    <Field name="first_name" label="First name" autocomplete="given-name" server_error=error/>
                    <Field name="last_name" label="Last name" autocomplete="family-name" server_error=error/>
                </div>
                <Field name="email" label="Email" kind="email" autocomplete="email" server_error=error/>
                <NewPasswordFields password=password confirm=confirm server_error=error/>
                <Field
                    name="console_url"
                    label="Console URL"
                    kind="url"
                    value=console_url
                    hint="The address people use to reach this console; used in links and emails."
                    server_error=error
                />
                <button type="submit" class="primary" disabled=move || pending.get() || !passwords_ready(password, confirm)>
                    "Create account"
                </button>
            </ActionForm>
        </AuthCard>
    }
}

/// A settings page that only users holding `permission` may see. The server functions behind
/// each page check the same permission again.
#[component]
pub fn Gated(permission: Permission, children: ChildrenFn) -> impl IntoView {
    let me = expect_context::<Me>();
    if me.can(permission) {
        children().into_any()
    } else {
        view! {
            <Page title="Not allowed">
                <p class="form-error">"You don't have permission to view this page."</p>
            </Page>
        }
        .into_any()
    }
}
