//! Settings → Email Configuration: pick Google SMTP, any SMTP server or AWS SES, save, and send
//! a test email with the values as entered.

use super::api::{SaveEmailSettings, SendTestEmail};
use super::{EmailSettings, MailerKind, SmtpSecurity, AWS_SES_REGIONS, GOOGLE_SMTP_HOST, GOOGLE_SMTP_PORT};
use crate::auth::view::Gated;
use crate::auth::Me;
use crate::domain::{AppError, Permission};
use crate::ui::{suspense_body, Field, FormError, LoadError, Page};
use leptos::form::FromFormData;
use leptos::prelude::*;

#[component]
pub fn EmailConfigPage() -> impl IntoView {
    let saved = Resource::new(|| (), |_| super::api::load_email_settings());
    view! {
        <Gated permission=Permission::ManageSettings>
            <Page title="Email Configuration">
                <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                    {suspense_body(move || Suspend::new(async move {
                        let may_change = expect_context::<Me>().can(Permission::ManageMailer);
                        match saved.await {
                            Ok(settings) if may_change => view! { <EmailForm saved=settings/> }.into_any(),
                            Ok(settings) => view! { <SavedConfiguration saved=settings/> }.into_any(),
                            Err(e) => view! { <LoadError error=e/> }.into_any(),
                        }
                    }))}
                </Suspense>
            </Page>
        </Gated>
    }
}

/// Which of the form's two buttons was pressed last, so errors show for that one.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Intent {
    Save,
    Test,
}

#[component]
fn EmailForm(saved: Option<EmailSettings>) -> impl IntoView {
    let save = ServerAction::<SaveEmailSettings>::new();
    let test = ServerAction::<SendTestEmail>::new();
    let intent = RwSignal::new(Intent::Save);
    let kind = RwSignal::new(saved.as_ref().map(|s| s.kind).unwrap_or(MailerKind::GoogleSmtp));
    // After a save the form describes the new saved state (for example "a password is saved").
    let current = Signal::derive({
        let saved = saved.clone();
        move || match save.value().get() {
            Some(Ok(settings)) => Some(settings),
            _ => saved.clone(),
        }
    });
    let error = Signal::derive(move || {
        let result = match intent.get() {
            Intent::Save => save.value().get().map(|r| r.map(|_| ())),
            Intent::Test => test.value().get().map(|r| r.map(|_| ())),
        };
        result.and_then(Result::err)
    });
    let success = move || match intent.get() {
        Intent::Save => save
            .value()
            .get()
            .and_then(Result::ok)
            .map(|_| "Email configuration saved.".to_string()),
        Intent::Test => test.value().get().and_then(Result::ok),
    };
    let busy = move || save.pending().get() || test.pending().get();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let pressed = ev
            .submitter()
            .and_then(|button| button.get_attribute("value"))
            .unwrap_or_default();
        if pressed == "test" {
            intent.set(Intent::Test);
            if let Ok(args) = SendTestEmail::from_event(&ev) {
                test.dispatch(args);
            }
        } else {
            intent.set(Intent::Save);
            if let Ok(args) = SaveEmailSettings::from_event(&ev) {
                save.dispatch(args);
            }
        }
    };
    let status = move || match current.get() {
        Some(s) => format!("Roster sends email through {} as {}.", s.kind.label(), s.sender_address),
        None => "No email service is configured: invitations can only be shared as links.".to_string(),
    };
    view! {
        <p class="notice">{status}</p>
        // POST, never GET: before the page is interactive a submit must not put the secret in a URL.
        <form class="email-config" method="post" action="/api/mail/save" on:submit=on_submit>
            <FormError error=error/>
            <div class="field">
                <label for="field-kind">"Mailer type"</label>
                <select
                    id="field-kind"
                    name="kind"
                    on:change=move |ev| {
                        if let Some(k) = MailerKind::from_code(&event_target_value(&ev)) {
                            kind.set(k);
                        }
                    }
                >
                    {MailerKind::ALL
                        .into_iter()
                        .map(|k| view! { <option value=k.code() selected=move || kind.get() == k>{k.label()}</option> })
                        .collect_view()}
                </select>
            </div>
            {move || {
                let k = kind.get();
                // Saved values prefill the form only for the saved mailer type.
                let saved = current.get_untracked().filter(|s| s.kind == k);
                view! { <KindFields kind=k saved=saved error=error/> }
            }}
            <Field
                name="current_password"
                label="Your password"
                kind="password"
                autocomplete="current-password"
                hint="Saving changes where Roster's mail, and every invitation link, goes: confirm it with your own password. Every Global Administrator is told of the change."
                server_error=error
            />
            <div class="button-row">
                <button type="submit" name="intent" value="save" class="primary" disabled=busy>"Save"</button>
                <button type="submit" name="intent" value="test" class="secondary" disabled=busy>
                    "Send test email"
                </button>
            </div>
            <Show when=move || test.pending().get()>
                <p class="hint" role="status">"Sending a test email…"</p>
            </Show>
            {move || success().map(|text| view! { <p class="notice success" role="status">{text}</p> })}
        </form>
    }
}

/// The fields of one mailer type, prefilled from the saved settings or the type's defaults.
#[component]
fn KindFields(kind: MailerKind, saved: Option<EmailSettings>, error: Signal<Option<AppError>>) -> impl IntoView {
    let s = saved.clone().unwrap_or_else(|| defaults(kind));
    let bound_to = match kind {
        MailerKind::AwsSes => "the region, the access key ID or the endpoint URL",
        _ => "the host, the port, the security or the user name",
    };
    let secret_hint = if saved.as_ref().is_some_and(|s| s.secret_set) {
        format!("A value is saved and never shown. Leave this empty to keep it, or type a new one to replace it. Changing {bound_to} clears it: then enter it again.")
    } else {
        String::new()
    };
    let port = if s.port == 0 { String::new() } else { s.port.to_string() };
    let sender = view! {
        <div class="row">
            <Field name="sender_address" label="Sender address" kind="email" value=s.sender_address.clone() server_error=error/>
            <Field name="sender_name" label="Sender name" value=s.sender_name.clone() hint="Optional, for example Roster." server_error=error/>
        </div>
    };
    match kind {
        MailerKind::GoogleSmtp => view! {
            {sender}
            <Field
                name="secret"
                label="App password"
                kind="password"
                autocomplete="new-password"
                hint=format!("{secret_hint} Google asks for an App Password, not your account password: turn on 2-Step Verification, then create one under Google Account → Security → App passwords.")
                server_error=error
            />
            <div class="row three">
                <Field name="host" label="Host" value=s.host.clone() server_error=error/>
                <Field name="port" label="Port" value=port server_error=error/>
                <SecuritySelect selected=s.security error=error/>
            </div>
        }
        .into_any(),
        MailerKind::Smtp => view! {
            <div class="row three">
                <Field name="host" label="Host" value=s.host.clone() server_error=error/>
                <Field name="port" label="Port" value=port server_error=error/>
                <SecuritySelect selected=s.security error=error/>
            </div>
            <div class="row">
                <Field name="username" label="User name" value=s.username.clone() autocomplete="off" hint="Leave empty if the server needs no sign-in." server_error=error/>
                <Field name="secret" label="Password" kind="password" autocomplete="new-password" hint=secret_hint.clone() server_error=error/>
            </div>
            {sender}
        }
        .into_any(),
        MailerKind::AwsSes => view! {
            {sender}
            <div class="field">
                <label for="field-aws_region">"Region"</label>
                <select id="field-aws_region" name="aws_region">
                    {AWS_SES_REGIONS
                        .into_iter()
                        .map(|r| view! { <option value=r selected=r == s.aws_region>{r}</option> })
                        .collect_view()}
                </select>
                <p class="field-error" role="alert">{move || error.get().and_then(|e| e.field_message("aws_region"))}</p>
            </div>
            <div class="row">
                <Field name="aws_access_key" label="Access key ID" value=s.aws_access_key.clone() autocomplete="off" server_error=error/>
                <Field name="secret" label="Secret access key" kind="password" autocomplete="new-password" hint=secret_hint.clone() server_error=error/>
            </div>
            <Field
                name="endpoint_url"
                label="Endpoint URL"
                kind="url"
                value=s.endpoint_url.clone()
                hint="Optional: a VPC endpoint or another SES-compatible endpoint. Leave empty for AWS's own."
                server_error=error
            />
        }
        .into_any(),
    }
}

/// What an Administrator sees: the saved configuration (never its secret) and a test through it.
/// Only a Global Administrator may change where mail goes.
#[component]
fn SavedConfiguration(saved: Option<EmailSettings>) -> impl IntoView {
    let test = ServerAction::<SendTestEmail>::new();
    let error = Signal::derive(move || test.value().get().and_then(Result::err));
    let Some(s) = saved else {
        return view! {
            <p class="notice">"No email service is configured: invitations can only be shared as links. A Global Administrator can set one up."</p>
        }
        .into_any();
    };
    let secret = if s.secret_set { "Saved (never shown)" } else { "None" };
    let rows: Vec<(&'static str, String)> = match s.kind {
        MailerKind::AwsSes => vec![
            ("Region", s.aws_region.clone()),
            ("Access key ID", s.aws_access_key.clone()),
            (
                "Endpoint URL",
                if s.endpoint_url.is_empty() {
                    "AWS's own".into()
                } else {
                    s.endpoint_url.clone()
                },
            ),
            ("Secret access key", secret.into()),
        ],
        _ => vec![
            ("Host", s.host.clone()),
            ("Port", s.port.to_string()),
            ("Security", s.security.label().into()),
            ("User name", s.username.clone()),
            ("Password", secret.into()),
        ],
    };
    view! {
        <p class="notice">{format!("Roster sends email through {} as {}.", s.kind.label(), s.sender_address)}</p>
        <p class="hint">"Only a Global Administrator can change where Roster's mail goes. You can send a test email through the saved configuration."</p>
        <dl class="summary">
            <dt>"Mailer type"</dt><dd>{s.kind.label()}</dd>
            <dt>"Sender"</dt><dd>{format!("{} {}", s.sender_name, s.sender_address)}</dd>
            {rows.into_iter().map(|(term, value)| view! { <dt>{term}</dt><dd>{value}</dd> }).collect_view()}
        </dl>
        <ActionForm action=test>
            <FormError error=error/>
            <input type="hidden" name="kind" value=s.kind.code()/>
            <div class="button-row">
                <button type="submit" class="secondary" disabled=move || test.pending().get()>"Send test email"</button>
            </div>
            {move || test.value().get().and_then(Result::ok).map(|text| view! { <p class="notice success" role="status">{text}</p> })}
        </ActionForm>
    }
    .into_any()
}

#[component]
fn SecuritySelect(selected: SmtpSecurity, error: Signal<Option<AppError>>) -> impl IntoView {
    view! {
        <div class="field">
            <label for="field-security">"Security"</label>
            <select id="field-security" name="security">
                {SmtpSecurity::ALL
                    .into_iter()
                    .map(|s| view! { <option value=s.code() selected=s == selected>{s.label()}</option> })
                    .collect_view()}
            </select>
            <p class="field-error" role="alert">{move || error.get().and_then(|e| e.field_message("security"))}</p>
        </div>
    }
}

/// What a fresh form of each type starts with.
fn defaults(kind: MailerKind) -> EmailSettings {
    let (host, port, security) = match kind {
        MailerKind::GoogleSmtp => (GOOGLE_SMTP_HOST, GOOGLE_SMTP_PORT, SmtpSecurity::ImplicitTls),
        MailerKind::Smtp => ("", 587, SmtpSecurity::StartTls),
        MailerKind::AwsSes => ("", 0, SmtpSecurity::ImplicitTls),
    };
    EmailSettings {
        kind,
        sender_address: String::new(),
        sender_name: "Roster".into(),
        host: host.into(),
        port,
        security,
        username: String::new(),
        secret_set: false,
        aws_region: "us-east-1".into(),
        aws_access_key: String::new(),
        endpoint_url: String::new(),
        updated_at: 0,
    }
}
