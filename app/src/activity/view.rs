//! Settings → Activity Log: the filters (kept in the URL), the table newest first with Newer /
//! Older by keyset, a row's before/after, Export and Verify.

use super::api::{list_activity, VerifyActivity};
use super::diff;
use super::filters::{iso_utc, RANGES};
use super::kinds::{self, Group};
use super::{LogPage, LogQuery, LogRow};
use crate::auth::view::Gated;
use crate::domain::Permission;
use crate::ui::{format_utc, suspense_body, LoadError, Page};
use leptos::prelude::*;
use leptos_router::hooks::use_query;

const PAGE_PATH: &str = "/settings/activity";

#[component]
pub fn ActivityPage() -> impl IntoView {
    let query = use_query::<LogQuery>();
    let state = Memo::new(move |_| query.get().unwrap_or_default());
    let page = Resource::new(move || state.get(), list_activity);
    view! {
        <Gated permission=Permission::ViewActivity>
            <Page title="Activity Log">
                <Filters state=state/>
                <Toolbar state=state/>
                <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                    {suspense_body(move || {
                        let q = state.get();
                        Suspend::new(async move {
                            match page.await {
                                Ok(page) => view! { <LogTable query=q page=page/> }.into_any(),
                                Err(e) => view! { <LoadError error=e/> }.into_any(),
                            }
                        })
                    })}
                </Transition>
            </Page>
        </Gated>
    }
}

/// A GET form: applying the filters is a navigation to the page with them in the URL.
#[component]
fn Filters(state: Memo<LogQuery>) -> impl IntoView {
    let q = state.get_untracked();
    let chosen: Vec<String> = q.actions().map(str::to_string).collect();
    let range = q.range.clone();
    let custom = RwSignal::new(range == "custom");
    view! {
        <form class="panel activity-filters" method="get" action=PAGE_PATH>
            <div class="row">
                <div class="field">
                    <label for="filter-actor">"Actor"</label>
                    <input id="filter-actor" name="actor" type="search" placeholder="Name or email" maxlength="200" value=q.actor.clone()/>
                </div>
                <div class="field">
                    <label for="filter-object">"Object"</label>
                    <input id="filter-object" name="object" type="search" placeholder="Name or email" maxlength="200" value=q.object.clone()/>
                </div>
                <div class="field">
                    <label for="filter-outcome">"Outcome"</label>
                    <select id="filter-outcome" name="outcome">
                        {[("", "Any outcome"), ("success", "Success"), ("failure", "Refused")]
                            .into_iter()
                            .map(|(v, t)| view! { <option value=v selected=q.outcome == v>{t}</option> })
                            .collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="filter-range">"Date range"</label>
                    <select id="filter-range" name="range" on:change=move |ev| custom.set(event_target_value(&ev) == "custom")>
                        <option value="" selected=range.is_empty()>"All time"</option>
                        {RANGES
                            .iter()
                            .map(|(code, label, _)| view! { <option value=*code selected=range == *code>{*label}</option> })
                            .collect_view()}
                        <option value="custom" selected=range == "custom">"Custom"</option>
                    </select>
                </div>
                <div class="field" class:hidden=move || !custom.get()>
                    <label for="filter-from">"From (UTC)"</label>
                    <input id="filter-from" name="from" type="date" value=q.from.clone()/>
                </div>
                <div class="field" class:hidden=move || !custom.get()>
                    <label for="filter-to">"To (UTC)"</label>
                    <input id="filter-to" name="to" type="date" value=q.to.clone()/>
                </div>
            </div>
            <div class="field">
                <label for="filter-action">"Action"</label>
                <select id="filter-action" name="action" multiple size="8">
                    {Group::ALL
                        .into_iter()
                        .map(|group| {
                            let chosen = chosen.clone();
                            view! {
                                <optgroup label=group.label()>
                                    {group
                                        .kinds()
                                        .map(|k| view! { <option value=k.action selected=chosen.iter().any(|c| c == k.action)>{k.label}</option> })
                                        .collect_view()}
                                </optgroup>
                            }
                        })
                        .collect_view()}
                </select>
                <p class="hint">"Hold Ctrl (⌘ on a Mac) to choose several."</p>
            </div>
            <div class="button-row">
                <button type="submit" class="primary">"Apply filters"</button>
                <a class="button secondary" href=PAGE_PATH>"Clear filters"</a>
            </div>
        </form>
    }
}

/// Export of the current filter, and Verify.
#[component]
fn Toolbar(state: Memo<LogQuery>) -> impl IntoView {
    let verify = ServerAction::<VerifyActivity>::new();
    let export = move |format: &str| {
        let filters = state.get().first_page().to_query();
        let sep = if filters.is_empty() { "" } else { "&" };
        format!("/api/activity/export?format={format}{sep}{filters}")
    };
    let result = move || {
        verify.value().get().map(|r| match r {
            Ok(report) => {
                let class = if report.broken_at.is_some() {
                    "notice error"
                } else {
                    "notice success"
                };
                view! { <p class=class role="status">{report.message()}</p> }.into_any()
            }
            Err(e) => view! { <p class="notice error" role="alert">{e.to_string()}</p> }.into_any(),
        })
    };
    view! {
        <div class="button-row activity-toolbar">
            <a class="button secondary" href=move || export("csv") download="" rel="external">"Export CSV"</a>
            <a class="button secondary" href=move || export("ndjson") download="" rel="external">"Export NDJSON"</a>
            <button type="button" class="secondary" disabled=move || verify.pending().get() on:click=move |_| {
                verify.dispatch(VerifyActivity {});
            }>"Verify"</button>
        </div>
        {result}
    }
}

#[component]
fn LogTable(query: LogQuery, page: LogPage) -> impl IntoView {
    if page.rows.is_empty() {
        return view! { <p class="empty">"No activity matches these filters."</p> }.into_any();
    }
    let link = |before: Option<String>, after: Option<String>| {
        let q = LogQuery {
            before: before.unwrap_or_default(),
            after: after.unwrap_or_default(),
            ..query.first_page()
        };
        format!("{PAGE_PATH}?{}", q.to_query())
    };
    let newer = page.newer.clone().map(|c| link(None, Some(c)));
    let older = page.older.clone().map(|c| link(Some(c), None));
    view! {
        <table class="table activity-table">
            <thead>
                <tr>
                    <th scope="col">"Time"</th>
                    <th scope="col">"Actor"</th>
                    <th scope="col">"Action"</th>
                    <th scope="col">"Object"</th>
                    <th scope="col">"Outcome"</th>
                    <th scope="col">"Source IP"</th>
                    <th scope="col">"Browser"</th>
                </tr>
            </thead>
            {page.rows.into_iter().map(|row| view! { <EntryRows row=row/> }).collect_view()}
        </table>
        <nav class="button-row pager" aria-label="Pages">
            {newer.map(|href| view! { <a class="button secondary" href=href>"Newer"</a> })}
            {older.map(|href| view! { <a class="button secondary" href=href>"Older"</a> })}
        </nav>
    }
    .into_any()
}

/// One entry: its row, and when expanded its details below.
#[component]
fn EntryRows(row: LogRow) -> impl IntoView {
    let LogRow { entry, browser } = row;
    let open = RwSignal::new(false);
    let details_id = format!("entry-{}-details", entry.id);
    let outcome = if entry.success {
        "Success".to_string()
    } else {
        match entry.reason() {
            Some(reason) => format!("Refused: {reason}"),
            None => "Refused".to_string(),
        }
    };
    let actor = if entry.actor_email.is_empty() {
        entry.actor_name.clone()
    } else if entry.actor_name.is_empty() {
        entry.actor_email.clone()
    } else {
        format!("{} <{}>", entry.actor_name, entry.actor_email)
    };
    let object = if entry.object_name.is_empty() {
        entry.object_type.clone()
    } else {
        entry.object_name.clone()
    };
    let diff_rows = diff::rows(&entry.details);
    let other = diff::other(&entry.details);
    let label = kinds::label(&entry.action).to_string();
    view! {
        <tbody class="entry" class:failure=!entry.success>
            <tr>
                <td><LocalTime secs=entry.at/></td>
                <td>{actor}</td>
                <td>
                    <button
                        type="button"
                        class="link-button"
                        aria-expanded=move || if open.get() { "true" } else { "false" }
                        aria-controls=details_id.clone()
                        on:click=move |_| open.update(|o| *o = !*o)
                    >
                        {label}
                    </button>
                </td>
                <td>{object}</td>
                <td>{outcome}</td>
                <td>{entry.ip.clone()}</td>
                <td title=entry.user_agent.clone()>{browser}</td>
            </tr>
            <tr id=details_id class="entry-details" hidden=move || !open.get()>
                <td colspan="7">
                    <p class="hint">{format!("Entry #{} · {}", entry.id, entry.action)}</p>
                    {(!diff_rows.is_empty()).then(|| view! {
                        <table class="table diff" aria-label="Before and after">
                            <thead><tr><th scope="col">"Field"</th><th scope="col">"Before"</th><th scope="col">"After"</th></tr></thead>
                            <tbody>
                                {diff_rows.into_iter().map(|r| view! {
                                    <tr class:changed=r.changed>
                                        <th scope="row">{r.field}</th>
                                        <td>{r.before}</td>
                                        <td>{if r.changed { view! { <mark>{r.after}</mark> }.into_any() } else { r.after.into_any() }}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    })}
                    {(!other.is_empty()).then(|| view! {
                        <dl class="entry-facts">
                            {other.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}
                        </dl>
                    })}
                </td>
            </tr>
        </tbody>
    }
}

/// A time in the browser's time zone (UTC until the page is interactive: the server cannot
/// know the zone), the exact UTC time on hover.
#[component]
fn LocalTime(secs: i64) -> impl IntoView {
    let local = RwSignal::new(false);
    Effect::new(move |_| local.set(true));
    let iso = iso_utc(secs);
    view! {
        <time datetime=iso.clone() title=iso>
            {move || if local.get() { local_time(secs) } else { format_utc(secs) }}
        </time>
    }
}

#[cfg(feature = "hydrate")]
fn local_time(secs: i64) -> String {
    let date = web_sys::js_sys::Date::new(&((secs as f64) * 1000.0).into());
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        date.get_full_year(),
        date.get_month() + 1,
        date.get_date(),
        date.get_hours(),
        date.get_minutes(),
        date.get_seconds()
    )
}

#[cfg(not(feature = "hydrate"))]
fn local_time(secs: i64) -> String {
    format_utc(secs)
}
