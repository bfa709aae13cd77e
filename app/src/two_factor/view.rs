//! Two-factor pages and sections: the profile's section (enable with a QR code, recovery
//! codes, regenerate, turn off), the enrolment page a 2FA policy confines a session to, and
//! the policy on Settings → General.

use super::api::{DisableTwoFactor, EnableTwoFactor, RegenerateRecoveryCodes, SaveTwoFactorPolicy, StartTwoFactor};
use super::{Enrolment, PolicyScope, TwoFactorStatus, MAX_GRACE_DAYS};
use crate::domain::AppError;
use crate::ui::{action_error, format_utc, suspense_body, Field, FormError, LoadError, ModalPanel, Page};
use leptos::prelude::*;

/// Profile → Two-factor authentication.
#[component]
pub fn TwoFactorSection() -> impl IntoView {
    let changed = RwSignal::new(0usize);
    let status = Resource::new(move || changed.get(), |_| super::api::get_two_factor_status());
    view! {
        <section class="panel" aria-labelledby="two-factor-heading">
            <h2 id="two-factor-heading">"Two-factor authentication"</h2>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {suspense_body(move || Suspend::new(async move {
                    match status.await {
                        Ok(s) if s.enabled_at.is_some() => view! { <TwoFactorOn status=s changed=changed/> }.into_any(),
                        Ok(_) => view! { <EnrolTwoFactor on_done=Callback::new(move |_| changed.update(|n| *n += 1))/> }.into_any(),
                        Err(e) => view! { <LoadError error=e/> }.into_any(),
                    }
                }))}
            </Transition>
        </section>
    }
}

/// The page a session goes to when a 2FA policy requires enrolment first.
#[component]
pub fn TwoFactorSetupPage() -> impl IntoView {
    let on_done = Callback::new(|_| {
        #[cfg(feature = "hydrate")]
        let _ = window().location().set_href("/");
    });
    view! {
        <Page title="Set up two-factor authentication">
            <p class="notice" role="status">
                "Your organisation requires two-factor authentication. Set it up to continue: you need an authenticator app on your phone (for example Google Authenticator, Microsoft Authenticator, 1Password or Bitwarden)."
            </p>
            <EnrolTwoFactor on_done=on_done/>
        </Page>
    }
}

/// Enable → QR code and key → code and password → recovery codes → done.
#[component]
fn EnrolTwoFactor(on_done: Callback<()>) -> impl IntoView {
    let start = ServerAction::<StartTwoFactor>::new();
    let enable = ServerAction::<EnableTwoFactor>::new();
    let start_error = action_error(start);
    let enrolment = move || start.value().get().and_then(Result::ok);
    let codes = move || enable.value().get().and_then(Result::ok);
    view! {
        {move || match (codes(), enrolment()) {
            (Some(codes), _) => view! { <RecoveryCodes codes=codes on_done=on_done/> }.into_any(),
            (None, Some(enrolment)) => view! { <ConfirmEnrolment enrolment=enrolment enable=enable/> }.into_any(),
            (None, None) => view! {
                <p>"Two-factor authentication is off. Turn it on to protect your account with a code from an authenticator app as well as your password."</p>
                <FormError error=start_error/>
                <button type="button" class="primary" disabled=move || start.pending().get()
                    on:click=move |_| { start.dispatch(StartTwoFactor {}); }>
                    "Enable"
                </button>
            }.into_any(),
        }}
    }
}

#[component]
fn ConfirmEnrolment(enrolment: Enrolment, enable: ServerAction<EnableTwoFactor>) -> impl IntoView {
    let error = action_error(enable);
    view! {
        <div class="enrolment">
            <p>"Scan this QR code with your authenticator app, or enter the key by hand."</p>
            <div class="qr" role="img" aria-label="QR code for your authenticator app" inner_html=enrolment.qr_svg></div>
            <dl class="details">
                <dt>"Key"</dt><dd><code class="totp-key" data-testid="totp-key">{enrolment.key}</code></dd>
                <dt>"Issuer"</dt><dd>{enrolment.issuer}</dd>
                <dt>"Account"</dt><dd>{enrolment.account}</dd>
                <dt>"Valid until"</dt><dd>{format_utc(enrolment.expires_at)}</dd>
            </dl>
            <ActionForm action=enable>
                <FormError error=error/>
                <Field id="enrol-code" name="code" label="6-digit code" autocomplete="one-time-code" hint="The code your app shows now." server_error=error/>
                <Field id="enrol-password" name="password" label="Your password" kind="password" autocomplete="current-password" server_error=error/>
                <button type="submit" class="primary" disabled=move || enable.pending().get()>"Verify and enable"</button>
            </ActionForm>
        </div>
    }
}

/// The new recovery codes, shown once, with Copy, Download and Print; Done only once the user
/// says they saved them.
#[component]
fn RecoveryCodes(codes: Vec<String>, on_done: Callback<()>) -> impl IntoView {
    let saved = RwSignal::new(false);
    let copied = RwSignal::new(false);
    let text = format!(
        "Roster recovery codes. Each works once, in place of a code from your authenticator app.\n\n{}\n",
        codes.join("\n")
    );
    let download = format!("data:text/plain;charset=utf-8,{}", crate::ui::url_encode(&text));
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let _ = window().navigator().clipboard().write_text(&text);
        }
        copied.set(true);
    };
    let print = move |_| {
        #[cfg(feature = "hydrate")]
        let _ = window().print();
    };
    view! {
        <div class="recovery-codes" role="region" aria-label="Recovery codes">
            <p class="notice" role="status">
                "Two-factor authentication is on. Save these recovery codes somewhere safe: each one signs you in once if you lose your phone. They are shown only now."
            </p>
            <ul class="codes">
                {codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
            </ul>
            <div class="button-row">
                <button type="button" class="secondary" on:click=copy>"Copy"</button>
                <a class="button secondary" href=download download="roster-recovery-codes.txt">"Download"</a>
                <button type="button" class="secondary" on:click=print>"Print"</button>
                <Show when=move || copied.get()><span role="status">"Copied."</span></Show>
            </div>
            <div class="field checkbox">
                <input id="codes-saved" type="checkbox" on:change=move |ev| saved.set(event_target_checked(&ev))/>
                <label for="codes-saved">"I have saved these codes"</label>
            </div>
            <button type="button" class="primary" disabled=move || !saved.get() on:click=move |_| on_done.run(())>"Done"</button>
        </div>
    }
}

/// Which of the "on" section's forms is open.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Open {
    Nothing,
    Regenerate,
    Disable,
}

#[component]
fn TwoFactorOn(status: TwoFactorStatus, changed: RwSignal<usize>) -> impl IntoView {
    let open = RwSignal::new(Open::Nothing);
    let regenerate = ServerAction::<RegenerateRecoveryCodes>::new();
    let disable = ServerAction::<DisableTwoFactor>::new();
    Effect::new(move |_| {
        if matches!(disable.value().get(), Some(Ok(()))) {
            changed.update(|n| *n += 1);
        }
    });
    let new_codes = move || regenerate.value().get().and_then(Result::ok);
    let since = status.enabled_at.map(format_utc).unwrap_or_default();
    let left = status.recovery_codes_left;
    let done = Callback::new(move |_| {
        regenerate.clear();
        open.set(Open::Nothing);
        changed.update(|n| *n += 1);
    });
    view! {
        <p>
            <strong>"Two-factor authentication is on"</strong> {format!(" (since {since}). ")}
            <span data-testid="recovery-codes-left">{format!("{left} recovery codes left.")}</span>
        </p>
        {move || new_codes().map(|codes| view! { <RecoveryCodes codes=codes on_done=done/> })}
        <Show when=move || new_codes().is_none() && open.get() == Open::Nothing>
            <div class="button-row">
                <button type="button" class="secondary" on:click=move |_| open.set(Open::Regenerate)>"Regenerate recovery codes"</button>
                {(!status.required).then(|| view! {
                    <button type="button" class="secondary danger" on:click=move |_| open.set(Open::Disable)>"Disable two-factor authentication"</button>
                })}
            </div>
            {status.required.then(|| view! { <p class="hint">"Your organisation requires two-factor authentication, so it cannot be turned off."</p> })}
        </Show>
        <Show when=move || new_codes().is_none() && open.get() == Open::Regenerate>
            <CodeAndPassword
                title="Regenerate recovery codes"
                explain="Your current recovery codes stop working. Confirm with your password and a current code from your app."
                submit="Regenerate"
                error=action_error(regenerate)
                pending=regenerate.pending()
                on_cancel=Callback::new(move |_| open.set(Open::Nothing))
                on_submit=Callback::new(move |(password, code)| { regenerate.dispatch(RegenerateRecoveryCodes { password, code }); })
            />
        </Show>
        <Show when=move || open.get() == Open::Disable>
            <CodeAndPassword
                title="Disable two-factor authentication"
                explain="Signing in will need only your password. Confirm with your password and a current code from your app (or a recovery code)."
                submit="Disable"
                error=action_error(disable)
                pending=disable.pending()
                on_cancel=Callback::new(move |_| open.set(Open::Nothing))
                on_submit=Callback::new(move |(password, code)| { disable.dispatch(DisableTwoFactor { password, code }); })
            />
        </Show>
    }
}

/// A small dialog asking for the password and a code.
#[component]
fn CodeAndPassword(
    title: &'static str,
    explain: &'static str,
    submit: &'static str,
    error: Signal<Option<AppError>>,
    pending: Memo<bool>,
    on_cancel: Callback<()>,
    on_submit: Callback<(String, String)>,
) -> impl IntoView {
    let password = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let dialog_id = format!("dialog-{}", submit.to_lowercase());
    let (password_id, code_id) = (format!("{dialog_id}-password"), format!("{dialog_id}-code"));
    let on_form = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        on_submit.run((password.get_untracked(), code.get_untracked()));
    };
    view! {
        <ModalPanel id=dialog_id title=title on_close=on_cancel>
            <p>{explain}</p>
            <form on:submit=on_form>
                <FormError error=error/>
                <Field id=password_id.clone() name="password" label="Your password" kind="password" autocomplete="current-password"
                    server_error=error on_input=Callback::new(move |v| password.set(v))/>
                <Field id=code_id.clone() name="code" label="6-digit code or recovery code" autocomplete="one-time-code"
                    server_error=error on_input=Callback::new(move |v| code.set(v))/>
                <div class="button-row">
                    <button type="submit" class="primary" disabled=move || pending.get()>{submit}</button>
                    <button type="button" class="link-button" on:click=move |_| on_cancel.run(())>"Cancel"</button>
                </div>
            </form>
        </ModalPanel>
    }
}

/// Settings → General: who must use 2FA, and the grace period.
#[component]
pub fn TwoFactorPolicySection() -> impl IntoView {
    let save = ServerAction::<SaveTwoFactorPolicy>::new();
    let loaded = Resource::new(|| (), |_| super::api::get_two_factor_policy());
    let error = action_error(save);
    let saved = move || {
        save.value()
            .get()
            .and_then(Result::ok)
            .map(|p| format!("2FA policy saved: {}.", p.scope.label()))
    };
    view! {
        <section class="panel" aria-labelledby="policy-heading">
            <h2 id="policy-heading">"Two-factor authentication policy"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {suspense_body(move || Suspend::new(async move {
                    match loaded.await {
                        Ok((policy, has_two_factor)) => view! {
                            {(!has_two_factor).then(|| view! {
                                <p class="hint">"Turn on two-factor authentication for your own account (Profile) before requiring it of a group you belong to."</p>
                            })}
                            <ActionForm action=save>
                                <FormError error=error/>
                                <div class="field">
                                    <label for="field-scope">"Require two-factor authentication"</label>
                                    <select id="field-scope" name="scope">
                                        {PolicyScope::ALL.into_iter().map(|s| view! {
                                            <option value=s.code() selected=s == policy.scope>{s.label()}</option>
                                        }).collect_view()}
                                    </select>
                                    <p class="field-error" role="alert">{move || error.get().and_then(|e| e.field_message("scope"))}</p>
                                </div>
                                <Field name="grace_days" label="Grace period (days)" kind="number" value=policy.grace_days.to_string()
                                    hint=format!("0 to {MAX_GRACE_DAYS}. Until it ends, users without 2FA can still sign in; then they must set it up first.")
                                    server_error=error/>
                                <button type="submit" class="primary" disabled=move || save.pending().get()>"Save 2FA policy"</button>
                            </ActionForm>
                            <Show when=move || saved().is_some()><p class="toast" role="status">{saved}</p></Show>
                        }.into_any(),
                        Err(e) => view! { <LoadError error=e/> }.into_any(),
                    }
                }))}
            </Suspense>
        </section>
    }
}
