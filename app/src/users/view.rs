//! Settings → User Management: the invite dialogs, then the Active / Disabled / Pending tabs with search
//! and paging. The tab, search, sort and page live in the URL, so a view can be shared and
//! survives a reload.

use super::api::list_users;
use super::bulk_bar::BulkBar;
use super::row_menu::{RowMenu, SelectPage, SelectUser, UserActions};
use super::{count_label, TwoFactorFilter, UserPage, UserRow, UserSort, UserTab};
use crate::auth::view::Gated;
use crate::auth::Me;
use crate::domain::{Permission, Role};
use crate::invites::dialogs::InviteButtons;
use crate::invites::view::{InviteActions, PendingInvites};
use crate::ui::{format_utc, suspense_body, LoadError, Page};
use leptos::html;
use leptos::prelude::*;
use leptos::Params;
use leptos_router::hooks::{use_navigate, use_query};
use leptos_router::params::{Params, ParamsError};
use leptos_router::NavigateOptions;

/// Which list the page shows: one of the users tabs, or the pending invitations.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum ListTab {
    #[default]
    Active,
    Disabled,
    Pending,
}

impl ListTab {
    fn code(self) -> &'static str {
        match self {
            ListTab::Active => "active",
            ListTab::Disabled => "disabled",
            ListTab::Pending => "pending",
        }
    }

    /// The users tab to load: the pending tab still shows the users tabs' counts.
    fn users(self) -> UserTab {
        match self {
            ListTab::Disabled => UserTab::Disabled,
            ListTab::Active | ListTab::Pending => UserTab::Active,
        }
    }
}

/// An unknown tab in a URL shows the Active tab, as a missing one does.
impl std::str::FromStr for ListTab {
    type Err = std::convert::Infallible;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        Ok(match code {
            "disabled" => ListTab::Disabled,
            "pending" => ListTab::Pending,
            _ => ListTab::Active,
        })
    }
}

/// The query string, typed.
#[derive(Params, Clone, Debug, Default, PartialEq)]
struct ListParams {
    tab: Option<ListTab>,
    q: Option<String>,
    sort: Option<UserSort>,
    page: Option<i64>,
    after: Option<String>,
    before: Option<String>,
    two_factor: Option<TwoFactorFilter>,
    role: Option<Role>,
}

/// The list's place, as kept in the URL.
#[derive(Clone, Debug, PartialEq)]
struct ListState {
    tab: ListTab,
    q: String,
    sort: UserSort,
    page: i64,
    /// Cursors from a Next / Previous link (see `list_users`); kept only past page 1.
    after: String,
    before: String,
    two_factor: TwoFactorFilter,
    role: Option<Role>,
}

impl ListState {
    /// From the URL; a value that does not parse (an unknown sort, a page that is no number)
    /// falls back to the default view.
    fn from_params(params: Result<ListParams, ParamsError>) -> ListState {
        let p = params.unwrap_or_default();
        ListState {
            tab: p.tab.unwrap_or_default(),
            q: p.q.unwrap_or_default(),
            sort: p.sort.unwrap_or_default(),
            page: p.page.unwrap_or(1),
            after: p.after.unwrap_or_default(),
            before: p.before.unwrap_or_default(),
            two_factor: p.two_factor.unwrap_or_default(),
            role: p.role,
        }
    }

    fn href(&self) -> String {
        let mut parts = vec![format!("tab={}", self.tab.code())];
        if !self.q.is_empty() {
            parts.push(format!("q={}", crate::ui::url_encode(&self.q)));
        }
        if self.sort != UserSort::Name {
            parts.push(format!("sort={}", self.sort.code()));
        }
        if self.two_factor != TwoFactorFilter::Any {
            parts.push(format!("two_factor={}", self.two_factor.code()));
        }
        if let Some(role) = self.role {
            parts.push(format!("role={}", role.code()));
        }
        if self.page > 1 {
            parts.push(format!("page={}", self.page));
            // Cursors are URL-safe as they are; page 1 needs none (it skips nothing).
            if !self.after.is_empty() {
                parts.push(format!("after={}", self.after));
            }
            if !self.before.is_empty() {
                parts.push(format!("before={}", self.before));
            }
        }
        format!("?{}", parts.join("&"))
    }
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let can_manage = expect_context::<Me>().can(Permission::ManageUsers);
    let actions = InviteActions::new();
    let user_actions = UserActions::new();
    let manage = can_manage.then_some(user_actions);
    let query = use_query::<ListParams>();
    let state = Memo::new(move |_| ListState::from_params(query.get()));
    let on_pending = Signal::derive(move || state.with(|s| s.tab == ListTab::Pending));
    let list = Resource::new(
        move || {
            (
                state.get(),
                actions.create.version().get() + actions.add.version().get(),
                actions.revoke.version().get(),
                user_actions.version(),
            )
        },
        |(s, _, _, _)| {
            let role = s.role.map(|r| r.code().to_string()).unwrap_or_default();
            list_users(
                s.tab.users(),
                s.q,
                s.sort,
                s.page,
                s.after,
                s.before,
                s.two_factor,
                role,
            )
        },
    );
    // A selection belongs to the page it was made on.
    Effect::new(move |_| {
        state.track();
        user_actions.selected.set(Vec::new());
    });
    if let Some(actions) = manage {
        super::feedback::announce(actions);
    }
    view! {
        <Gated permission=Permission::ViewUsers>
            <Page title="User Management">
                {can_manage.then(|| view! { <InviteButtons actions=actions/> })}
                <section class="panel users">
                    <div class="list-filters">
                        <SearchBox state=state/>
                        <TwoFactorSelect state=state/>
                        <RoleSelect state=state/>
                    </div>
                    {manage.map(|actions| view! { <BulkBar actions=actions/> })}
                    // Tracks the URL state too: a tab change may bring an identical page.
                    <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                        {suspense_body(move || {
                            let s = state.get();
                            Suspend::new(async move {
                                match list.await {
                                    Ok(page) => {
                                        let table = (s.tab != ListTab::Pending)
                                            .then(|| view! { <UserTable state=s.clone() page=page.clone() manage=manage/> });
                                        view! { <Tabs state=s page=page/> {table} }.into_any()
                                    }
                                    Err(e) => view! { <LoadError error=e/> }.into_any(),
                                }
                            })
                        })}
                    </Transition>
                    // Below the tabs. Always rendered and hidden on the other tabs: the page's
                    // structure never depends on the tab, so hydration finds what the server sent.
                    <div hidden=move || !on_pending.get()>
                        <PendingInvites actions=actions shown=on_pending/>
                    </div>
                </section>
            </Page>
        </Gated>
    }
}

/// Search as you type: every keystroke updates the URL (replacing, not adding, history). A
/// Clear button empties it, and `/` (outside a field) jumps to it.
#[component]
fn SearchBox(state: Memo<ListState>) -> impl IntoView {
    let navigate = use_navigate();
    let initial = state.get_untracked().q;
    let has_text = RwSignal::new(!initial.is_empty());
    let input = NodeRef::<html::Input>::new();
    let search = move |q: String| {
        has_text.set(!q.is_empty());
        let current = state.get_untracked();
        let next = ListState {
            q,
            page: 1,
            tab: if current.tab == ListTab::Pending {
                ListTab::Active
            } else {
                current.tab
            },
            ..current
        };
        navigate(
            &next.href(),
            NavigateOptions {
                replace: true,
                scroll: false,
                ..Default::default()
            },
        );
    };
    let clear = {
        let search = search.clone();
        move |_| {
            if let Some(field) = input.get_untracked() {
                field.set_value("");
                let _ = field.focus();
            }
            search(String::new());
        }
    };
    #[cfg(feature = "hydrate")]
    {
        let handle = window_event_listener(leptos::ev::keydown, move |ev| {
            if ev.key() == "/" && !ev.ctrl_key() && !ev.meta_key() && !ev.alt_key() && !typing_somewhere(&ev) {
                if let Some(field) = input.get_untracked() {
                    ev.prevent_default();
                    let _ = field.focus();
                }
            }
        });
        on_cleanup(move || handle.remove());
    }
    view! {
        <div class="field search">
            <label for="user-search">"Search users"</label>
            <div class="search-box">
                <input
                    id="user-search"
                    type="search"
                    node_ref=input
                    placeholder="Name or email (press /)"
                    autocomplete="off"
                    maxlength="100"
                    aria-keyshortcuts="/"
                    value=initial
                    on:input=move |ev| search(event_target_value(&ev))
                />
                <button
                    type="button"
                    class="clear-search"
                    aria-label="Clear search"
                    hidden=move || !has_text.get()
                    on:click=clear
                >
                    "×"
                </button>
            </div>
        </div>
    }
}

/// True when a key goes to a field or a dialog, where `/` is text, not a shortcut.
#[cfg(feature = "hydrate")]
fn typing_somewhere(ev: &leptos::ev::KeyboardEvent) -> bool {
    use leptos::wasm_bindgen::JsCast;
    let in_field = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
        .is_some_and(|el| {
            matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT") || el.is_content_editable()
        });
    let dialog_open = document().query_selector("dialog[open]").ok().flatten().is_some();
    in_field || dialog_open
}

/// The 2FA filter: users with 2FA on, off, or either.
#[component]
fn TwoFactorSelect(state: Memo<ListState>) -> impl IntoView {
    let navigate = use_navigate();
    let initial = state.get_untracked().two_factor;
    let on_change = move |ev| {
        let current = state.get_untracked();
        let next = ListState {
            two_factor: TwoFactorFilter::from_code(&event_target_value(&ev)).unwrap_or_default(),
            page: 1,
            tab: if current.tab == ListTab::Pending {
                ListTab::Active
            } else {
                current.tab
            },
            ..current
        };
        navigate(
            &next.href(),
            NavigateOptions {
                scroll: false,
                ..Default::default()
            },
        );
    };
    view! {
        <div class="field">
            <label for="two-factor-filter">"2FA"</label>
            <select id="two-factor-filter" on:change=on_change>
                {TwoFactorFilter::ALL
                    .into_iter()
                    .map(|f| view! { <option value=f.code() selected=f == initial>{f.label()}</option> })
                    .collect_view()}
            </select>
        </div>
    }
}

/// The role filter (the home page's counts by role link here).
#[component]
fn RoleSelect(state: Memo<ListState>) -> impl IntoView {
    let navigate = use_navigate();
    let initial = state.get_untracked().role;
    let on_change = move |ev| {
        let current = state.get_untracked();
        let tab = if current.tab == ListTab::Pending {
            ListTab::Active
        } else {
            current.tab
        };
        let role = Role::from_code(&event_target_value(&ev));
        navigate(
            &ListState {
                role,
                page: 1,
                tab,
                ..current
            }
            .href(),
            NavigateOptions {
                scroll: false,
                ..Default::default()
            },
        );
    };
    view! {
        <div class="field">
            <label for="role-filter">"Filter by role"</label>
            <select id="role-filter" on:change=on_change>
                <option value="" selected=initial.is_none()>"Any"</option>
                {Role::ALL
                    .into_iter()
                    .map(|r| view! { <option value=r.code() selected=initial == Some(r)>{r.label()}</option> })
                    .collect_view()}
            </select>
        </div>
    }
}

#[component]
fn Tabs(state: ListState, page: UserPage) -> impl IntoView {
    let tab = |tab: ListTab, label: &'static str, count: String| {
        let href = ListState {
            tab,
            page: 1,
            ..state.clone()
        }
        .href();
        let current = (state.tab == tab).then_some("page");
        view! { <a href=href aria-current=current>{format!("{label} ({count})")}</a> }
    };
    view! {
        <nav class="tabs" aria-label="User lists">
            {tab(ListTab::Active, "Active", count_label(page.counts.active, page.counts.more(UserTab::Active)))}
            {tab(ListTab::Disabled, "Disabled", count_label(page.counts.disabled, page.counts.more(UserTab::Disabled)))}
            {tab(ListTab::Pending, "Pending", count_label(page.counts.pending, false))}
        </nav>
    }
}

#[component]
fn UserTable(state: ListState, page: UserPage, manage: Option<UserActions>) -> impl IntoView {
    if page.rows.is_empty() {
        let text = if state.q.is_empty() {
            "No users here.".to_string()
        } else {
            format!("No users match “{}”.", state.q)
        };
        return view! { <p class="empty">{text}</p> }.into_any();
    }
    let sort_links = UserSort::ALL
        .into_iter()
        .map(|sort| {
            let href = ListState {
                sort,
                page: 1,
                ..state.clone()
            }
            .href();
            let current = (state.sort == sort).then_some("true");
            view! { <a href=href aria-current=current>{sort.label()}</a> }
        })
        .collect_view();
    let pager = Pager(state.clone(), &page);
    let ids: Vec<i64> = page.rows.iter().map(|u| u.id).collect();
    let select_all = manage.map(|actions| view! { <th class="select"><SelectPage ids=ids actions=actions/></th> });
    if let Some(actions) = manage {
        actions.know(&page.rows);
    }
    view! {
        <p class="sort">"Sort by: " {sort_links}</p>
        <div class="table-scroll">
        <table class="table users-table">
            <thead>
                <tr>
                    {select_all}
                    <th>"Name"</th>
                    <th>"Email"</th>
                    <th>"Role"</th>
                    <th>"Groups"</th>
                    <th>"2FA"</th>
                    <th>"Last sign-in"</th>
                    <th>"Created"</th>
                    {manage.map(|_| view! { <th>"Actions"</th> })}
                </tr>
            </thead>
            <tbody>{page.rows.into_iter().map(|user| user_row(user, manage)).collect_view()}</tbody>
        </table>
        </div>
        {pager}
    }
    .into_any()
}

fn user_row(user: UserRow, manage: Option<UserActions>) -> impl IntoView {
    let name = format!("{} {}", user.first_name, user.last_name);
    let select = manage.map(|actions| {
        view! { <td class="select"><SelectUser user_id=user.id name=name.clone() actions=actions/></td> }
    });
    let menu =
        manage.map(|actions| view! { <td class="row-actions"><RowMenu user=user.clone() actions=actions/></td> });
    view! {
        <tr class:disabled=user.disabled>
            {select}
            <td>{name}</td>
            <td>
                {user.email.clone()}
                {user.locked.then(|| view! {
                    <span class="badge badge-warning" title="Failed sign-ins are holding sign-in to this account back: Unlock clears them">
                        "Locked"
                    </span>
                })}
            </td>
            <td>{user.role.label()}</td>
            <td>{if user.groups.is_empty() { "—".to_string() } else { user.groups.join(", ") }}</td>
            <td>{if user.two_factor { "On" } else { "Off" }}</td>
            <td>{user.last_login_at.map(format_utc).unwrap_or_else(|| "Never".into())}</td>
            <td>{format_utc(user.created_at)}</td>
            {menu}
        </tr>
    }
}

#[allow(non_snake_case)]
fn Pager(state: ListState, page: &UserPage) -> impl IntoView {
    // Next / Previous carry a cursor (the boundary row) so the server seeks instead of skipping.
    let link = move |to: i64, after: Option<String>, before: Option<String>, label: &'static str| {
        let href = ListState {
            page: to,
            after: after.unwrap_or_default(),
            before: before.unwrap_or_default(),
            ..state.clone()
        }
        .href();
        view! { <a href=href>{label}</a> }
    };
    let (number, more) = (page.page, page.more);
    // A search counted only so far: "Page 2 of 41+ · 1000+ users".
    let (pages, total) = (count_label(page.pages, more), count_label(page.total, more));
    view! {
        <nav class="pager" aria-label="Pages">
            {(number > 1).then(|| link.clone()(number - 1, None, page.prev_before.clone(), "← Previous"))}
            <span>{format!("Page {number} of {pages} · {total} users")}</span>
            {(number < page.pages).then(|| link(number + 1, page.next_after.clone(), None, "Next →"))}
        </nav>
    }
}
