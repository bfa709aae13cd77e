//! "Forgot password?" (`/forgot-password`) and the page a reset link opens
//! (`/reset-password/<token>`).

use super::api::{RequestPasswordReset, ResetPassword};
use super::{ResetLink, LINK_UNUSABLE, RESET_DONE};
use crate::auth::view::{passwords_ready, AuthCard, NewPasswordFields};
use crate::domain::AppError;
use crate::ui::{action_error, suspense_body, Field, FormError};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let request = ServerAction::<RequestPasswordReset>::new();
    let error = action_error(request);
    let pending = request.pending();
    let answer = move || request.value().get().and_then(Result::ok);
    view! {
        <AuthCard>
            <h1>"Forgot password"</h1>
            <Show
                when=move || answer().is_some()
                fallback=move || view! {
                    <p>"Enter the email you sign in with. If it has an account, we email it a link to choose a new password."</p>
                    <ActionForm action=request>
                        <FormError error=error/>
                        <Field name="email" label="Email" kind="email" autocomplete="username" server_error=error/>
                        <button type="submit" class="primary" disabled=move || pending.get()>"Send reset link"</button>
                    </ActionForm>
                }
            >
                <p class="notice" role="status">{answer}</p>
            </Show>
            <p><a href="/login">"Back to sign in"</a></p>
        </AuthCard>
    }
}

/// Shown for a link that cannot be used, whatever the reason.
#[component]
fn LinkUnusable() -> impl IntoView {
    view! {
        <h1>"Reset password"</h1>
        <p class="form-error">{LINK_UNUSABLE}</p>
        <p><a href="/forgot-password">"Ask for a new link"</a></p>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let link = Resource::new(token, super::api::open_reset_link);
    view! {
        <AuthCard>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {suspense_body(move || Suspend::new(async move {
                    match link.await {
                        Ok(ResetLink::Valid { email, two_factor }) => {
                            view! { <ResetForm email=email two_factor=two_factor token=token()/> }.into_any()
                        }
                        Ok(ResetLink::Unusable) => view! { <LinkUnusable/> }.into_any(),
                        Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                    }
                }))}
            </Suspense>
        </AuthCard>
    }
}

#[component]
fn ResetForm(email: String, two_factor: bool, token: String) -> impl IntoView {
    let reset = ServerAction::<ResetPassword>::new();
    let error = action_error(reset);
    let pending = reset.pending();
    let password = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let done = move || matches!(reset.value().get(), Some(Ok(())));
    // The link was used up meanwhile (or expired): asking again is the way on.
    let unusable = move || matches!(error.get(), Some(AppError::Conflict(_)));
    view! {
        <Show
            when=done
            fallback=move || {
                let (email, token) = (email.clone(), token.clone());
                view! {
                    <h1>"Choose a new password"</h1>
                    <ActionForm action=reset>
                        <FormError error=error/>
                        <Show when=unusable>
                            <p><a href="/forgot-password">"Ask for a new link"</a></p>
                        </Show>
                        <Field name="email_shown" label="Email" kind="email" autocomplete="username" value=email readonly=true server_error=error/>
                        <input type="hidden" name="token" value=token/>
                        <NewPasswordFields password=password confirm=confirm server_error=error label="New password"/>
                        {two_factor.then(|| view! {
                            <Field
                                name="code"
                                label="6-digit code or recovery code"
                                autocomplete="one-time-code"
                                hint="Your account has two-factor authentication: a code from your authenticator app, or one of your recovery codes."
                                server_error=error
                            />
                        })}
                        <button type="submit" class="primary" disabled=move || pending.get() || !passwords_ready(password, confirm)>
                            "Reset password"
                        </button>
                    </ActionForm>
                }
            }
        >
            <h1>"Password reset"</h1>
            <p class="notice" role="status">{RESET_DONE}</p>
            <p><a href="/login">"Sign in"</a></p>
        </Show>
    }
}
