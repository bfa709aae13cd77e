use crate::auth::view::Gated;
use crate::domain::Permission;
use crate::ui::Page;
use leptos::prelude::*;

#[component]
pub fn ActivityPage() -> impl IntoView {
    view! {
        <Gated permission=Permission::ViewActivity>
            <Page title="Activity Log">
                <p>"Recent activity will be listed here."</p>
            </Page>
        </Gated>
    }
}
