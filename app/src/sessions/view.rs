//! Profile → Security (active sessions, sign-in history) and the users list's Sessions dialog.

use super::api::{EndUserSessions, SignOutOtherSessions, SignOutSession};
use super::{HistoryEntry, SessionInfo, UserSessionList};
use crate::domain::AppError;
use crate::ui::{action_error, format_utc, suspense_body, Dialog, FormError, LoadError, ModalPanel, Page};
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn SecurityPage() -> impl IntoView {
    view! {
        <Page title="Security">
            <p><A href="/profile">"Back to your profile"</A></p>
            <ActiveSessions/>
            <SignInHistory/>
        </Page>
    }
}

fn loading() -> impl IntoView {
    view! { <p class="loading">"Loading…"</p> }
}

/// The caller's sessions, with Sign out per other session and Sign out all other sessions.
#[component]
fn ActiveSessions() -> impl IntoView {
    let sign_out = ServerAction::<SignOutSession>::new();
    let sign_out_others = ServerAction::<SignOutOtherSessions>::new();
    let sessions = Resource::new(
        move || (sign_out.version().get(), sign_out_others.version().get()),
        |_| super::api::my_sessions(),
    );
    let confirming = RwSignal::new(false);
    Effect::new(move |_| {
        if matches!(sign_out_others.value().get(), Some(Ok(_))) {
            confirming.set(false);
        }
    });
    let ended = move || {
        sign_out_others.value().get().and_then(Result::ok).map(|n| match n {
            0 => "No other session was signed in.".to_string(),
            1 => "1 other session was signed out.".to_string(),
            n => format!("{n} other sessions were signed out."),
        })
    };
    view! {
        <section class="panel sessions-panel" aria-labelledby="sessions-heading">
            <h2 id="sessions-heading">"Active sessions"</h2>
            <p class="hint">"Browsers signed in to your account. Last active is updated at most once a minute."</p>
            <FormError error=action_error(sign_out)/>
            <FormError error=action_error(sign_out_others)/>
            <Show when=move || ended().is_some()>
                <p class="notice success" role="status">{ended}</p>
            </Show>
            <Transition fallback=loading>
                {suspense_body(move || Suspend::new(async move {
                    match sessions.await {
                        Ok(list) => {
                            let others = list.iter().any(|s| !s.current);
                            view! {
                                <SessionsTable sessions=list labelled_by="sessions-heading" sign_out=Some(sign_out)/>
                                {others.then(|| view! { <SignOutOthers action=sign_out_others confirming=confirming/> })}
                            }
                            .into_any()
                        }
                        Err(e) => view! { <LoadError error=e/> }.into_any(),
                    }
                }))}
            </Transition>
        </section>
    }
}

/// "Sign out all other sessions", confirmed in a dialog.
#[component]
fn SignOutOthers(action: ServerAction<SignOutOtherSessions>, confirming: RwSignal<bool>) -> impl IntoView {
    view! {
        <div class="button-row">
            <button type="button" class="secondary danger" on:click=move |_| confirming.set(true)>
                "Sign out all other sessions"
            </button>
        </div>
        <Dialog open=confirming id="sign-out-others" title="Sign out all other sessions?">
            <p>"Every other browser signed in to your account is signed out at once. This browser stays signed in."</p>
            <div class="button-row">
                <button type="button" class="secondary danger" disabled=move || action.pending().get()
                    on:click=move |_| { action.dispatch(SignOutOtherSessions {}); }>
                    "Sign out all other sessions"
                </button>
                <button type="button" class="link-button" on:click=move |_| confirming.set(false)>"Cancel"</button>
            </div>
        </Dialog>
    }
}

/// A table of sessions; with `sign_out`, a Sign out button on each one but the caller's own.
#[component]
fn SessionsTable(
    sessions: Vec<SessionInfo>,
    #[prop(into)] labelled_by: String,
    sign_out: Option<ServerAction<SignOutSession>>,
) -> impl IntoView {
    if sessions.is_empty() {
        return view! { <p class="empty">"No active sessions."</p> }.into_any();
    }
    let rows = sessions
        .into_iter()
        .map(|s| {
            let summary = format!("{} ({})", s.device.summary(), s.ip);
            let action = sign_out.filter(|_| !s.current).map(|action| {
                view! {
                    <ActionForm action=action>
                        <input type="hidden" name="session_id" value=s.id/>
                        <button type="submit" class="link-button danger" aria-label=format!("Sign out {summary}")>
                            "Sign out"
                        </button>
                    </ActionForm>
                }
            });
            view! {
                <tr class:current=s.current>
                    <td>
                        {s.device.browser}
                        {s.current.then(|| view! { " " <strong class="this-device">"This device"</strong> })}
                    </td>
                    <td>{s.device.os}</td>
                    <td>{s.ip}</td>
                    <td>{format_utc(s.created_at)}</td>
                    <td>{format_utc(s.last_seen_at)}</td>
                    {sign_out.map(|_| view! { <td>{action}</td> })}
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="table sessions-table" aria-labelledby=labelled_by>
            <thead>
                <tr>
                    <th scope="col">"Browser"</th>
                    <th scope="col">"Operating system"</th>
                    <th scope="col">"IP address"</th>
                    <th scope="col">"Signed in"</th>
                    <th scope="col">"Last active"</th>
                    {sign_out.map(|_| view! { <th scope="col"><span class="visually-hidden">"Actions"</span></th> })}
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

/// The caller's sign-in attempts of the last 90 days.
#[component]
fn SignInHistory() -> impl IntoView {
    let history = Resource::new(|| (), |_| super::api::my_sign_in_history());
    view! {
        <section class="panel" aria-labelledby="history-heading">
            <h2 id="history-heading">"Sign-in history"</h2>
            <p class="hint">"Sign-ins and failed attempts on your account in the last 90 days, newest first."</p>
            <Transition fallback=loading>
                {suspense_body(move || Suspend::new(async move {
                    match history.await {
                        Ok(entries) => view! { <HistoryTable entries=entries/> }.into_any(),
                        Err(e) => view! { <LoadError error=e/> }.into_any(),
                    }
                }))}
            </Transition>
        </section>
    }
}

#[component]
fn HistoryTable(entries: Vec<HistoryEntry>) -> impl IntoView {
    if entries.is_empty() {
        return view! { <p class="empty">"No sign-in attempts in the last 90 days."</p> }.into_any();
    }
    let rows = entries
        .into_iter()
        .map(|e| {
            let outcome_class = if e.outcome.success() {
                "outcome-success"
            } else {
                "outcome-failure"
            };
            view! {
                <tr>
                    <td>{format_utc(e.at)}</td>
                    <td>{e.ip}</td>
                    <td>{e.device.summary()}</td>
                    <td class=outcome_class>{e.outcome.label()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="table history-table" aria-labelledby="history-heading">
            <thead>
                <tr>
                    <th scope="col">"Time"</th>
                    <th scope="col">"IP address"</th>
                    <th scope="col">"Browser"</th>
                    <th scope="col">"Outcome"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

/// The sessions of the users list's Sessions dialog, as they load.
#[component]
fn UserSessionsList(sessions: Resource<Result<UserSessionList, AppError>>, table_label: String) -> impl IntoView {
    let list = suspense_body(move || {
        let table_label = table_label.clone();
        Suspend::new(async move {
            match sessions.await {
                Ok(UserSessionList { sessions, .. }) => {
                    view! { <SessionsTable sessions=sessions labelled_by=table_label sign_out=None/> }.into_any()
                }
                Err(e) => view! { <LoadError error=e/> }.into_any(),
            }
        })
    });
    view! { <Transition fallback=loading>{list}</Transition> }
}

/// The users list's Sessions dialog: the user's live sessions and End all sessions.
#[component]
pub fn UserSessionsDialog(user_id: i64, name: String, on_close: Callback<()>) -> impl IntoView {
    let end_all = ServerAction::<EndUserSessions>::new();
    let sessions = Resource::new(
        move || end_all.version().get(),
        move |_| super::api::user_sessions(user_id),
    );
    // The dialog's heading (`<id>-title`) names the table too.
    let dialog_id = format!("user-{user_id}-sessions");
    let heading_id = format!("{dialog_id}-title");
    let ended = move || matches!(end_all.value().get(), Some(Ok(())));
    let title = format!("Sessions of {name}");
    let ended_message = StoredValue::new(format!("All sessions of {name} ended: they must sign in again."));
    view! {
        <ModalPanel id=dialog_id title=title on_close=on_close>
            <FormError error=action_error(end_all)/>
            <Show when=ended>
                <p class="notice success" role="status">{move || ended_message.get_value()}</p>
            </Show>
            <UserSessionsList sessions=sessions table_label=heading_id.clone()/>
            <ActionForm action=end_all>
                <input type="hidden" name="user_id" value=user_id/>
                <div class="button-row">
                    <button type="submit" class="secondary danger" disabled=move || end_all.pending().get()>"End all sessions"</button>
                </div>
            </ActionForm>
        </ModalPanel>
    }
}
