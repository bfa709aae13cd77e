//! One group on the Groups page: its details, and for managers Edit, Delete, the member list's
//! Remove buttons and "Add member" with a user search.

use super::api::{list_group_members, AddGroupMember, DeleteGroup, RemoveGroupMember, UpdateGroup};
use super::view::{Abilities, Changes, GroupFields};
use super::{GroupMember, GroupSummary};
use crate::domain::AppError;
use crate::ui::{action_error, suspense_body, Confirm, FormError, LoadError};
use crate::users::api::list_users;
use crate::users::UserRow;
use crate::users::{UserSort, UserTab};
use leptos::prelude::*;

type Members = Resource<Result<Vec<GroupMember>, AppError>>;

/// The actions of one group, so errors show beside the group they concern.
#[derive(Clone, Copy)]
struct GroupActions {
    update: ServerAction<UpdateGroup>,
    delete: ServerAction<DeleteGroup>,
    add: ServerAction<AddGroupMember>,
    remove: ServerAction<RemoveGroupMember>,
}

#[component]
pub(super) fn GroupPanel(group: GroupSummary, can: Abilities, changes: Changes) -> impl IntoView {
    let actions = GroupActions {
        update: ServerAction::new(),
        delete: ServerAction::new(),
        add: ServerAction::new(),
        remove: ServerAction::new(),
    };
    changes.follow(actions.update);
    changes.follow(actions.delete);
    changes.follow(actions.add);
    changes.follow(actions.remove);
    let group_id = group.id;
    // Drawn afresh after every change (see `Changes`), so this refetches then too.
    let members: Members = Resource::new(move || group_id, list_group_members);
    let editable = can.may_change(group.role);
    let count = match group.member_count {
        1 => "1 member".to_string(),
        n => format!("{n} members"),
    };
    let description = if group.description.is_empty() {
        view! { <p class="group-description empty">"No description."</p> }.into_any()
    } else {
        view! { <p class="group-description">{group.description.clone()}</p> }.into_any()
    };
    let controls = if editable {
        Some(view! { <GroupControls group=group.clone() can=can actions=actions/> }.into_any())
    } else if can.manage {
        Some(view! { <p class="hint">"Only a Global Administrator can change this group."</p> }.into_any())
    } else {
        None
    };
    let search = editable.then(|| {
        view! { <MemberSearch group_id=group_id can=can add=actions.add members=members/> }
    });
    // An owned copy, not a StoredValue: members can arrive after a refetch replaced this panel.
    let name = group.name.clone();
    let remove_error = action_error(actions.remove);
    view! {
        <section class="panel group" aria-label=format!("Group {}", group.name)>
            <div class="group-head">
                <h2>{group.name.clone()}</h2>
                <span class="group-role">{group.role.label()}</span>
                <span class="group-count">{count}</span>
            </div>
            {description}
            {controls}
            <h3>"Members"</h3>
            <FormError error=remove_error/>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {suspense_body(move || {
                    let name = name.clone();
                    Suspend::new(async move {
                    match members.await {
                        Ok(list) if list.is_empty() => view! { <p class="empty">"No members yet."</p> }.into_any(),
                        Ok(list) => view! {
                            <ul class="members">
                                {list
                                    .into_iter()
                                    .map(|m| member_item(m, group_id, name.clone(), editable, can, actions.remove))
                                    .collect_view()}
                            </ul>
                        }
                            .into_any(),
                        Err(e) => view! { <LoadError error=e/> }.into_any(),
                    }
                })
                })}
            </Transition>
            {search}
        </section>
    }
}

fn member_item(
    member: GroupMember,
    group_id: i64,
    group_name: String,
    editable: bool,
    can: Abilities,
    remove: ServerAction<RemoveGroupMember>,
) -> impl IntoView {
    let button = (editable && can.may_move(member.role)).then(|| {
        let label = format!("Remove {} from {}", member.email, group_name);
        view! {
            <ActionForm action=remove>
                <input type="hidden" name="group_id" value=group_id.to_string()/>
                <input type="hidden" name="user_id" value=member.id.to_string()/>
                <button type="submit" class="link-button danger" aria-label=label>"Remove"</button>
            </ActionForm>
        }
    });
    view! {
        <li class:disabled=member.disabled>
            <span class="member-name">{member.name.clone()}</span>
            <span class="member-email">{member.email.clone()}</span>
            <span class="member-role">{member.role.label()}</span>
            {member.disabled.then(|| view! { <span class="member-status">"Disabled"</span> })}
            {button}
        </li>
    }
}

/// Edit (inline form) and Delete (behind a confirmation).
#[component]
fn GroupControls(group: GroupSummary, can: Abilities, actions: GroupActions) -> impl IntoView {
    let editing = RwSignal::new(false);
    let update_error = action_error(actions.update);
    let delete_error = action_error(actions.delete);
    let saving = actions.update.pending();
    let question = format!("Delete the group {}? Its members keep their accounts.", group.name);
    let delete_label = StoredValue::new(format!("Delete {}", group.name));
    let group = StoredValue::new(group);
    let id = move || group.with_value(|g| g.id.to_string());
    view! {
        <div class="group-actions">
            <button
                type="button"
                class="link-button"
                aria-expanded=move || editing.get().to_string()
                on:click=move |_| editing.update(|e| *e = !*e)
            >
                "Edit group"
            </button>
            <Confirm label="Delete group" question=question>
                <ActionForm action=actions.delete>
                    <input type="hidden" name="group_id" value=id()/>
                    <button type="submit" class="link-button danger">{delete_label.get_value()}</button>
                </ActionForm>
            </Confirm>
        </div>
        <FormError error=delete_error/>
        <Show when=move || editing.get()>
            <ActionForm action=actions.update>
                <input type="hidden" name="group_id" value=id()/>
                <FormError error=update_error/>
                {group.with_value(|g| view! {
                    <GroupFields
                        prefix=format!("group-{}", g.id)
                        name=g.name.clone()
                        description=g.description.clone()
                        role=g.role
                        can=can
                        error=update_error
                    />
                })}
                <div class="button-row">
                    <button type="submit" class="primary" disabled=move || saving.get()>"Save group"</button>
                    <button type="button" class="secondary" on:click=move |_| editing.set(false)>"Cancel"</button>
                </div>
            </ActionForm>
        </Show>
    }
}

/// "Add member": active users matching the search (the users list's own search), each with an
/// Add button unless already in the group.
#[component]
fn MemberSearch(group_id: i64, can: Abilities, add: ServerAction<AddGroupMember>, members: Members) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let found = Resource::new(
        move || query.get().trim().to_string(),
        |q| async move {
            if q.is_empty() {
                return Ok(None);
            }
            list_users(
                UserTab::Active,
                q,
                UserSort::Name,
                1,
                String::new(),
                String::new(),
                Default::default(),
                String::new(),
            )
            .await
            .map(Some)
        },
    );
    let add_error = action_error(add);
    let input_id = format!("group-{group_id}-find");
    view! {
        <div class="add-member">
            <h3>"Add member"</h3>
            <FormError error=add_error/>
            <div class="field search">
                <label for=input_id.clone()>"Find a user"</label>
                <input
                    id=input_id
                    type="search"
                    placeholder="Name or email"
                    autocomplete="off"
                    maxlength="100"
                    on:input=move |ev| query.set(event_target_value(&ev))
                />
            </div>
            <Transition fallback=|| ()>
                {suspense_body(move || Suspend::new(async move {
                    let current: Vec<i64> = members
                        .await
                        .map(|list| list.iter().map(|m| m.id).collect())
                        .unwrap_or_default();
                    match found.await {
                        Ok(None) => ().into_any(),
                        Ok(Some(page)) if page.rows.is_empty() => view! {
                            <p class="empty">"No active users match."</p>
                        }
                            .into_any(),
                        Ok(Some(page)) => view! {
                            <ul class="search-results">
                                {page
                                    .rows
                                    .into_iter()
                                    .map(|user| {
                                        let member = current.contains(&user.id);
                                        candidate(user, group_id, member, can, add)
                                    })
                                    .collect_view()}
                            </ul>
                        }
                            .into_any(),
                        Err(e) => view! { <LoadError error=e/> }.into_any(),
                    }
                }))}
            </Transition>
        </div>
    }
}

fn candidate(
    user: UserRow,
    group_id: i64,
    member: bool,
    can: Abilities,
    add: ServerAction<AddGroupMember>,
) -> impl IntoView {
    let button_text = format!("Add {}", user.email);
    let action = if member {
        view! { <span class="hint">"Already in this group"</span> }.into_any()
    } else if !can.may_move(user.role) {
        view! { <span class="hint">"Only a Global Administrator can add a Global Administrator."</span> }.into_any()
    } else {
        view! {
            <ActionForm action=add>
                <input type="hidden" name="group_id" value=group_id.to_string()/>
                <input type="hidden" name="user_id" value=user.id.to_string()/>
                <button type="submit" class="secondary">{button_text}</button>
            </ActionForm>
        }
        .into_any()
    };
    view! {
        <li>
            <span class="member-name">{format!("{} {}", user.first_name, user.last_name)}</span>
            <span class="member-email">{user.email.clone()}</span>
            <span class="member-role">{user.role.label()}</span>
            {action}
        </li>
    }
}
