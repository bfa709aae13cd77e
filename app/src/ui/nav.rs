//! The console's navigation: the settings sections the viewer may see, in a left column that
//! folds into a Menu button on narrow screens, and each page's one-line description.

use crate::auth::Me;
use crate::domain::Permission;
use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// The id of the navigation, which the Menu button controls.
pub const NAV_ID: &str = "settings-nav";

/// One section: where it is, its name, who may see it (`None`: everyone) and what it is for.
struct Section {
    href: &'static str,
    label: &'static str,
    permission: Option<Permission>,
    description: &'static str,
}

const SECTIONS: [Section; 8] = [
    Section {
        href: "/settings/users",
        label: "User Management",
        permission: Some(Permission::ViewUsers),
        description: "Invite people, and choose who has access and with which role.",
    },
    Section {
        href: "/settings/groups",
        label: "Groups",
        permission: Some(Permission::ViewUsers),
        description: "Groups of users, and the role each group gives its members.",
    },
    Section {
        href: "/settings/email",
        label: "Email Configuration",
        permission: Some(Permission::ManageSettings),
        description: "How Roster sends email (SMTP or Amazon SES), with a test message.",
    },
    Section {
        href: "/settings/general",
        label: "General",
        permission: Some(Permission::ManageSettings),
        description: "Sign-out timeouts, the two-factor policy, the console address and log retention.",
    },
    Section {
        href: "/settings/activity",
        label: "Activity Log",
        permission: Some(Permission::ViewActivity),
        description: "Who did what and when: filter, export and verify the log.",
    },
    Section {
        href: "/settings/integrations",
        label: "Integrations",
        permission: Some(Permission::ManageSettings),
        description: "Where notifications go: email, Slack and signed webhooks.",
    },
    Section {
        href: "/settings/triggers",
        label: "Triggers",
        permission: Some(Permission::ViewUsers),
        description: "Which events send a notification, and through which integration.",
    },
    Section {
        href: "/profile",
        label: "Profile",
        permission: None,
        description: "Your name, password and two-factor authentication.",
    },
];

/// The page's one-line description, if it has one.
pub fn description_for(path: &str) -> Option<&'static str> {
    match path.trim_end_matches('/') {
        "/profile/security" => Some("Where you are signed in, and your recent sign-ins."),
        "/two-factor/setup" => Some("Add an authenticator app as a second step at sign-in."),
        "/settings/users/invite-csv" => Some("Invite many people at once from a CSV file: check every row, then send."),
        path => SECTIONS.iter().find(|s| s.href == path).map(|s| s.description),
    }
}

/// The left navigation. On narrow screens it is hidden until `open` (the Menu button).
#[component]
pub fn SettingsNav(me: Me, open: RwSignal<bool>) -> impl IntoView {
    let location = use_location();
    // Following a link closes the folded menu.
    Effect::new(move |_| {
        location.pathname.track();
        open.set(false);
    });
    let links = SECTIONS
        .iter()
        .filter(|s| s.permission.is_none_or(|p| me.can(p)))
        .map(|s| {
            let href = s.href;
            let current = move || {
                let path = location.pathname.get();
                if path == href {
                    Some("page")
                } else if path.starts_with(&format!("{href}/")) {
                    // Profile → Security, Invite from CSV: inside the section, not its page.
                    Some("true")
                } else {
                    None
                }
            };
            view! { <li><a href=href aria-current=current>{s.label}</a></li> }
        })
        .collect_view();
    view! {
        <nav id=NAV_ID class="side-nav" class:open=move || open.get() aria-label="Settings">
            <ul>{links}</ul>
        </nav>
    }
}

/// Narrow screens only (CSS): shows and hides the navigation.
#[component]
pub fn MenuButton(open: RwSignal<bool>) -> impl IntoView {
    view! {
        <button
            type="button"
            class="menu-button"
            aria-controls=NAV_ID
            aria-expanded=move || open.get().to_string()
            on:click=move |_| open.update(|o| *o = !*o)
        >
            "Menu"
        </button>
    }
}
