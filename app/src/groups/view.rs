use crate::auth::view::Gated;
use crate::domain::Permission;
use crate::ui::Page;
use leptos::prelude::*;

#[component]
pub fn GroupsPage() -> impl IntoView {
    view! {
        <Gated permission=Permission::ViewUsers>
            <Page title="Groups">
                <p>"Groups will be listed here."</p>
            </Page>
        </Gated>
    }
}
