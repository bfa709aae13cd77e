use crate::auth::view::Gated;
use crate::domain::Permission;
use crate::ui::Page;
use leptos::prelude::*;

#[component]
pub fn GeneralSettingsPage() -> impl IntoView {
    view! {
        <Gated permission=Permission::ManageSettings>
            <Page title="General">
                <p>"Logout timeouts will be configured here."</p>
            </Page>
        </Gated>
    }
}
