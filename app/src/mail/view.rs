use crate::auth::view::Gated;
use crate::domain::Permission;
use crate::ui::Page;
use leptos::prelude::*;

#[component]
pub fn EmailConfigPage() -> impl IntoView {
    view! {
        <Gated permission=Permission::ManageSettings>
            <Page title="Email Configuration">
                <p>"No mailer is configured yet."</p>
            </Page>
        </Gated>
    }
}
