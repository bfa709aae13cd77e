use crate::auth::view::Gated;
use crate::auth::Me;
use crate::domain::Permission;
use crate::invites::view::{InviteActions, InviteForm, PendingInvites};
use crate::ui::Page;
use leptos::prelude::*;

#[component]
pub fn UsersPage() -> impl IntoView {
    let can_invite = expect_context::<Me>().can(Permission::ManageUsers);
    let actions = InviteActions::new();
    view! {
        <Gated permission=Permission::ViewUsers>
            <Page title="User Management">
                {can_invite.then(|| view! { <InviteForm actions=actions/> })}
                <PendingInvites actions=actions/>
            </Page>
        </Gated>
    }
}
