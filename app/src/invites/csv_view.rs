//! Settings → User Management → Invite from CSV: upload or paste, Preview (every row checked
//! on the server), then Send in chunks of `CHUNK_ROWS` with a progress bar, and a summary to
//! download.

use super::csv::{rows_to_csv, summary_csv, CsvPreview, CsvRow, PreviewRow, RowOutcome, CHUNK_ROWS, MAX_ROWS};
use super::csv_api::{preview_invite_csv, send_invite_csv_chunk};
use super::InviteLifetime;
use crate::auth::view::Gated;
use crate::domain::{AppError, Permission};
use crate::ui::{FormError, Page};
use leptos::prelude::*;
use leptos_router::components::A;

/// Rows the preview lists by name; the rest are counted.
const LISTED: usize = 200;

/// What became of every row once sending ended: the row and, if skipped, why.
type Summary = Vec<(CsvRow, Option<String>)>;

#[component]
pub fn InviteCsvPage() -> impl IntoView {
    let text = RwSignal::new(String::new());
    let lifetime = RwSignal::new(InviteLifetime::DEFAULT.code().to_string());
    let preview = Action::new(|csv: &String| preview_invite_csv(csv.clone()));
    let progress = RwSignal::new(None::<(usize, usize)>);
    let summary = RwSignal::new(None::<Summary>);
    let send_error = RwSignal::new(None::<AppError>);
    let preview_error = Signal::derive(move || preview.value().get().and_then(Result::err));
    let checked = Signal::derive(move || preview.value().get().and_then(Result::ok));
    let sending =
        Signal::derive(move || progress.get().is_some_and(|(done, total)| done < total) && send_error.get().is_none());
    let on_preview = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        summary.set(None);
        progress.set(None);
        send_error.set(None);
        preview.dispatch(text.get_untracked());
    };
    let on_send = move |_| {
        if let Some(checked) = checked.get_untracked() {
            send_all(checked, lifetime.get_untracked(), progress, summary, send_error);
        }
    };
    view! {
        <Gated permission=Permission::ManageUsers>
            <Page title="Invite from CSV">
                <p>
                    "One invitation per row: " <code>"email,first_name,last_name,role"</code>
                    {format!(" (a header row is optional; the role by name or code, such as Analyst or read_only; names may be empty; at most {MAX_ROWS} rows). Each invitation is emailed.")}
                </p>
                <p><A href="/settings/users">"Back to User Management"</A></p>
                <form class="panel" on:submit=on_preview>
                    <div class="field">
                        <label for="csv-file">"Upload a CSV file"</label>
                        <input id="csv-file" type="file" accept=".csv,text/csv,text/plain" on:change=move |ev| read_file(ev, text)/>
                    </div>
                    <div class="field">
                        <label for="csv-text">"CSV"</label>
                        <textarea id="csv-text" rows="8" spellcheck="false" prop:value=move || text.get()
                            on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                    </div>
                    <div class="field">
                        <label for="csv-lifetime">"Links valid for"</label>
                        <select id="csv-lifetime" on:change=move |ev| lifetime.set(event_target_value(&ev))>
                            {InviteLifetime::ALL
                                .into_iter()
                                .map(|l| view! { <option value=l.code() selected=l == InviteLifetime::DEFAULT>{l.label()}</option> })
                                .collect_view()}
                        </select>
                    </div>
                    <FormError error=preview_error/>
                    {move || preview_error.get().and_then(|e| e.field_message("csv")).map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
                    <button type="submit" disabled=move || preview.pending().get() || sending.get()>"Preview"</button>
                </form>
                {move || checked.get().map(|checked| view! { <PreviewTable checked=checked/> })}
                {move || {
                    let count = checked.get().map_or(0, |c| c.sendable().count());
                    (count > 0 && progress.get().is_none()).then(|| {
                        let label = if count == 1 { "Send 1 invitation".to_string() } else { format!("Send {count} invitations") };
                        view! { <button type="button" on:click=on_send>{label}</button> }
                    })
                }}
                {move || progress.get().map(|(done, total)| view! {
                    <div class="field">
                        <label for="csv-progress">"Sending invitations"</label>
                        <progress id="csv-progress" max=total.to_string() value=done.to_string()>{format!("{done} of {total}")}</progress>
                        <p class="hint" role="status">{format!("{done} of {total} rows sent")}</p>
                    </div>
                })}
                <FormError error=send_error/>
                {move || summary.get().map(|rows| view! { <SummaryView rows=rows/> })}
            </Page>
        </Gated>
    }
}

/// Reads the chosen file into the textarea (in the browser; nothing is uploaded yet).
fn read_file(ev: leptos::ev::Event, text: RwSignal<String>) {
    #[cfg(feature = "hydrate")]
    {
        use web_sys::wasm_bindgen::JsCast;
        let Some(file) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            .and_then(|input| input.files())
            .and_then(|files| files.get(0))
        else {
            return;
        };
        leptos::task::spawn_local(async move {
            if let Ok(value) = wasm_bindgen_futures::JsFuture::from(file.text()).await {
                text.set(value.as_string().unwrap_or_default());
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (ev, text);
}

/// Sends the rows the preview passed, `CHUNK_ROWS` per call, one call after another, so the
/// progress bar shows what the server has queued. Rows the preview refused go into the
/// summary as skipped.
fn send_all(
    checked: CsvPreview,
    lifetime: String,
    progress: RwSignal<Option<(usize, usize)>>,
    summary: RwSignal<Option<Summary>>,
    error: RwSignal<Option<AppError>>,
) {
    let mut done: Summary = Vec::with_capacity(checked.rows.len());
    let mut to_send: Vec<CsvRow> = Vec::new();
    for PreviewRow { row, problem, .. } in checked.rows {
        match problem {
            Some(problem) => done.push((row, Some(problem.message()))),
            None => to_send.push(row),
        }
    }
    let total = to_send.len();
    progress.set(Some((0, total)));
    error.set(None);
    leptos::task::spawn_local(async move {
        for (i, chunk) in to_send.chunks(CHUNK_ROWS).enumerate() {
            match send_invite_csv_chunk(rows_to_csv(chunk), lifetime.clone()).await {
                Ok(outcomes) => {
                    for (row, outcome) in chunk.iter().zip(outcomes) {
                        let skipped = match outcome {
                            RowOutcome::Sent => None,
                            RowOutcome::Skipped(problem) => Some(problem.message()),
                        };
                        done.push((row.clone(), skipped));
                    }
                    progress.set(Some(((i * CHUNK_ROWS + chunk.len()).min(total), total)));
                }
                Err(e) => {
                    // What was not sent is in the summary as not sent, with the reason.
                    let reason = format!("Not sent: {e}");
                    for row in &to_send[i * CHUNK_ROWS..] {
                        done.push((row.clone(), Some(reason.clone())));
                    }
                    error.set(Some(e));
                    break;
                }
            }
        }
        done.sort_by_key(|(row, _)| row.line);
        summary.set(Some(done));
    });
}

#[component]
fn PreviewTable(checked: CsvPreview) -> impl IntoView {
    let sendable = checked.sendable().count();
    let skipped: Vec<&PreviewRow> = checked.rows.iter().filter(|r| r.problem.is_some()).collect();
    let heading = format!("{sendable} to send, {} skipped", skipped.len());
    let problem_rows = skipped
        .iter()
        .map(|r| {
            let reason = r.problem.as_ref().map(|p| p.message()).unwrap_or_default();
            view! { <tr><td>{r.row.line}</td><td>{r.row.email.clone()}</td><td>{reason}</td></tr> }
        })
        .collect_view();
    let send_rows = checked
        .sendable()
        .take(LISTED)
        .map(|r| {
            let name = format!("{} {}", r.row.first_name, r.row.last_name).trim().to_string();
            let role = r.role.map(|role| role.label()).unwrap_or_default();
            view! { <tr><td>{r.row.line}</td><td>{r.row.email.clone()}</td><td>{name}</td><td>{role}</td></tr> }
        })
        .collect_view();
    let more =
        (sendable > LISTED).then(|| view! { <p class="hint">{format!("… and {} more.", sendable - LISTED)}</p> });
    view! {
        <section class="panel" aria-labelledby="csv-preview-heading">
            <h2 id="csv-preview-heading">{heading}</h2>
            {(!skipped.is_empty()).then(|| view! {
                <table class="table">
                    <caption>"Rows that will be skipped"</caption>
                    <thead><tr><th scope="col">"Line"</th><th scope="col">"Email"</th><th scope="col">"Reason"</th></tr></thead>
                    <tbody>{problem_rows}</tbody>
                </table>
            })}
            {(sendable > 0).then(|| view! {
                <table class="table">
                    <caption>"Invitations to send"</caption>
                    <thead><tr><th scope="col">"Line"</th><th scope="col">"Email"</th><th scope="col">"Name"</th><th scope="col">"Role"</th></tr></thead>
                    <tbody>{send_rows}</tbody>
                </table>
            })}
            {more}
        </section>
    }
}

#[component]
fn SummaryView(rows: Summary) -> impl IntoView {
    let sent = rows.iter().filter(|(_, skipped)| skipped.is_none()).count();
    let skipped: Vec<_> = rows.iter().filter(|(_, s)| s.is_some()).cloned().collect();
    let csv = summary_csv(rows.iter().map(|(row, skipped)| (row, skipped.clone())));
    let href = format!("data:text/csv;charset=utf-8,{}", crate::ui::url_encode(&csv));
    view! {
        <section class="panel" aria-labelledby="csv-summary-heading">
            <h2 id="csv-summary-heading">"Summary"</h2>
            <p role="status">{format!("{sent} sent, {} skipped.", skipped.len())}</p>
            {(!skipped.is_empty()).then(|| view! {
                <table class="table">
                    <caption>"Skipped rows"</caption>
                    <thead><tr><th scope="col">"Line"</th><th scope="col">"Email"</th><th scope="col">"Reason"</th></tr></thead>
                    <tbody>
                        {skipped.into_iter().map(|(row, reason)| view! {
                            <tr><td>{row.line}</td><td>{row.email}</td><td>{reason}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
            <p><a href=href download="invitations-summary.csv">"Download summary"</a></p>
        </section>
    }
}
