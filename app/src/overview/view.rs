//! The home page (route "" in the console): the team overview or the viewer's own summary.

use super::api::get_overview;
use super::{Overview, ProfileSummary, SignInChart, TeamOverview};
use crate::auth::Me;
use crate::ui::{civil_utc, suspense_body, LoadError, Page};
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn HomePage() -> impl IntoView {
    let me = expect_context::<Me>();
    let overview = Resource::new(|| (), |_| get_overview());
    view! {
        <Page title=format!("Welcome, {}", me.first_name)>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {suspense_body(move || Suspend::new(async move {
                    match overview.await {
                        Ok(Overview::Team(team)) => view! { <Team team=team/> }.into_any(),
                        Ok(Overview::Own(own)) => view! { <OwnSummary own=own/> }.into_any(),
                        Err(e) => view! { <LoadError error=e/> }.into_any(),
                    }
                }))}
            </Suspense>
        </Page>
    }
}

/// The users list's URL for a filter (see `ListParams` in `users/view.rs`).
fn users_link(query: &str) -> String {
    format!("/settings/users?{query}")
}

#[component]
fn Team(team: TeamOverview) -> impl IntoView {
    let roles = team
        .active_by_role
        .iter()
        .map(|(role, n)| {
            let href = users_link(&format!("tab=active&role={}", role.code()));
            view! { <li><a href=href>{format!("{}: {n}", role.label())}</a></li> }
        })
        .collect_view();
    let expiring = (team.expiring_soon > 0).then(|| {
        let verb = if team.expiring_soon == 1 { "expires" } else { "expire" };
        format!(" ({} {verb} within 24 hours)", team.expiring_soon)
    });
    let mail = team.mail;
    view! {
        <section class="panel overview" aria-labelledby="overview-users">
            <h2 id="overview-users">"Users"</h2>
            <h3>"Active users by role"</h3>
            <ul class="overview-counts">{roles}</ul>
            <ul class="overview-counts">
                <li>
                    <a href=users_link("tab=pending")>{format!("Pending invitations: {}", team.pending_invites)}</a>
                    {expiring}
                </li>
                <li><a href=users_link("tab=active&two_factor=off")>{format!("Active users without 2FA: {}", team.without_two_factor)}</a></li>
                <li><a href=users_link("tab=disabled")>{format!("Disabled users: {}", team.disabled)}</a></li>
            </ul>
        </section>
        <section class="panel overview" aria-labelledby="overview-mail">
            <h2 id="overview-mail">"Email delivery"</h2>
            <dl class="details">
                <dt>"Queued"</dt><dd>{mail.queued}</dd>
                <dt>"Retrying"</dt><dd>{mail.retrying}</dd>
                <dt>"Failed in the last 24 hours"</dt><dd>{mail.failed_recently}</dd>
            </dl>
        </section>
        <SignIns chart=team.sign_ins svg=team.chart_svg/>
    }
}

/// `2026-12-05 14:00 UTC`: an hour of the chart.
fn hour_label(start: i64) -> String {
    let (year, month, day, rem) = civil_utc(start);
    format!("{year:04}-{month:02}-{day:02} {:02}:00 UTC", rem / 3600)
}

#[component]
fn SignIns(chart: SignInChart, svg: String) -> impl IntoView {
    let total = chart.total();
    // Screen readers get the numbers as a table; hours without sign-ins are left out.
    let rows: Vec<_> = chart
        .hours
        .iter()
        .enumerate()
        .filter(|(_, h)| h.succeeded + h.failed > 0)
        .map(|(i, h)| {
            let label = hour_label(chart.first_hour + i as i64 * 3600);
            view! { <tr><th scope="row">{label}</th><td>{h.succeeded}</td><td>{h.failed}</td></tr> }
        })
        .collect();
    let empty = rows
        .is_empty()
        .then(|| view! { <tr><td colspan="3">"No sign-ins in the last 7 days."</td></tr> });
    view! {
        <section class="panel overview" aria-labelledby="overview-sign-ins">
            <h2 id="overview-sign-ins">"Sign-ins, last 7 days"</h2>
            <p class="hint">
                <svg width="10" height="10" aria-hidden="true"><rect width="10" height="10" fill="#2563eb"/></svg>
                {format!(" Successful: {} ", total.succeeded)}
                <svg width="10" height="10" aria-hidden="true"><rect width="10" height="10" fill="#dc2626"/></svg>
                {format!(" Failed: {}", total.failed)}
            </p>
            <div class="chart" inner_html=svg></div>
            <table class="visually-hidden">
                <caption>"Sign-ins per hour, last 7 days (UTC)"</caption>
                <thead><tr><th scope="col">"Hour"</th><th scope="col">"Successful"</th><th scope="col">"Failed"</th></tr></thead>
                <tbody>{rows}{empty}</tbody>
            </table>
        </section>
    }
}

#[component]
fn OwnSummary(own: ProfileSummary) -> impl IntoView {
    view! {
        <section class="panel overview" aria-labelledby="overview-me">
            <h2 id="overview-me">"Your account"</h2>
            <dl class="details">
                <dt>"Name"</dt><dd>{own.name}</dd>
                <dt>"Email"</dt><dd>{own.email}</dd>
                <dt>"Role"</dt><dd>{own.role.label()}</dd>
                <dt>"2FA"</dt><dd>{if own.two_factor { "On" } else { "Off" }}</dd>
            </dl>
            <p><A href="/profile">"Profile"</A></p>
        </section>
    }
}
