use crate::auth::view::Gated;
use crate::domain::Permission;
use crate::ui::Page;
use leptos::prelude::*;

#[component]
pub fn UsersPage() -> impl IntoView {
    view! {
        <Gated permission=Permission::ViewUsers>
            <Page title="User Management">
                <p>"Users will be listed here."</p>
            </Page>
        </Gated>
    }
}
