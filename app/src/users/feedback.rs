//! Toasts for the users page's actions, naming the user ("Grace Hopper was disabled"), with
//! Undo for disable, enable and role changes. Undo dispatches the reverse action through the
//! same server functions, so the server checks the same permission and guards again, and the
//! list refreshes as after any action. An Undo's own toast offers no further Undo.

use super::api::{BulkUserAction, ChangeUserRole, DisableUser, EnableUser};
use super::row_menu::UserActions;
use super::BulkAction;
use crate::domain::{AppError, Role};
use crate::ui::{on_done, reload_when_signed_out, Toasts};
use leptos::prelude::*;

/// A user as the list last showed them: the toast's words and a role change's Undo need them
/// after the list has moved on (a disabled user leaves the Active tab).
#[derive(Clone, Debug)]
pub struct Known {
    pub name: String,
    pub role: Role,
}

/// Which reverse action is an Undo in flight, for whom.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reverse {
    Enable(i64),
    Disable(i64),
    Role(i64),
    Bulk,
}

/// Wires every user action of the page to the console's toasts.
pub fn announce(actions: UserActions) {
    let Some(toasts) = Toasts::get() else { return };
    // Undo needs this page's actions, which go with the page.
    on_cleanup(move || toasts.forget_undo());
    let undoing = StoredValue::new(Vec::<Reverse>::new());
    // Marks an Undo before dispatching it; its result then takes the mark away.
    let mark = move |reverse: Reverse| undoing.update_value(|u| u.push(reverse));
    let was_undo = move |reverse: Reverse| {
        let mut found = false;
        undoing.update_value(|u| {
            if let Some(at) = u.iter().position(|r| *r == reverse) {
                u.remove(at);
                found = true;
            }
        });
        found
    };
    let name = move |id: i64| {
        actions
            .known
            .with_value(|k| k.get(&id).map(|k| k.name.clone()))
            .unwrap_or_else(|| "The user".to_string())
    };
    // A refusal because the session is gone reloads the page (to the login page), as a form
    // error does.
    let failure = RwSignal::new(None::<AppError>);
    reload_when_signed_out(failure.into());
    let fail = move |error: AppError| {
        toasts.error(error.to_string());
        failure.set(Some(error));
    };

    on_done(actions.disable, move |input, result| {
        let id = input.user_id;
        match result {
            Ok(()) if was_undo(Reverse::Disable(id)) => toasts.success(format!("{} was disabled again", name(id))),
            Ok(()) => toasts.undoable(format!("{} was disabled", name(id)), move || {
                mark(Reverse::Enable(id));
                actions.enable.dispatch(EnableUser { user_id: id });
            }),
            Err(error) => {
                was_undo(Reverse::Disable(id));
                fail(error)
            }
        }
    });
    on_done(actions.enable, move |input, result| {
        let id = input.user_id;
        match result {
            Ok(()) if was_undo(Reverse::Enable(id)) => toasts.success(format!("{} was enabled again", name(id))),
            Ok(()) => toasts.undoable(format!("{} was enabled", name(id)), move || {
                mark(Reverse::Disable(id));
                actions.disable.dispatch(DisableUser { user_id: id });
            }),
            Err(error) => {
                was_undo(Reverse::Enable(id));
                fail(error)
            }
        }
    });
    on_done(actions.change_role, move |input, result| {
        let id = input.user_id;
        let label = Role::from_code(&input.role).map_or("another role", Role::label);
        // What the list showed before the change (it refreshes only after this runs).
        let before = actions.known.with_value(|k| k.get(&id).map(|k| k.role));
        match result {
            Ok(()) if was_undo(Reverse::Role(id)) => {
                toasts.success(format!("Role changed back to {label} for {}", name(id)))
            }
            Ok(()) => match before {
                Some(before) if before.label() != label => {
                    toasts.undoable(format!("Role changed to {label} for {}", name(id)), move || {
                        mark(Reverse::Role(id));
                        actions.change_role.dispatch(ChangeUserRole {
                            user_id: id,
                            role: before.code().to_string(),
                        });
                    })
                }
                _ => toasts.success(format!("Role changed to {label} for {}", name(id))),
            },
            Err(error) => {
                was_undo(Reverse::Role(id));
                // Field errors show in the open form.
                if !matches!(error, AppError::Invalid(_)) {
                    fail(error)
                }
            }
        }
    });
    on_done(actions.update_name, move |input, result| match result {
        Ok(()) => toasts.success(format!(
            "Name changed to {} {}",
            input.first_name.trim(),
            input.last_name.trim()
        )),
        Err(AppError::Invalid(_)) => {}
        Err(error) => fail(error),
    });
    on_done(actions.delete, move |input, result| match result {
        Ok(()) => toasts.success(format!("{} was deleted", name(input.user_id))),
        Err(error) => fail(error),
    });
    on_done(actions.unlock, move |input, result| match result {
        Ok(()) => toasts.success(format!(
            "{} was unlocked: failed sign-ins no longer hold them back",
            name(input.user_id)
        )),
        Err(error) => fail(error),
    });
    // Its errors show in its own dialog (it asks for the admin's password).
    on_done(actions.disable_two_factor, move |input, result| {
        if result.is_ok() {
            toasts.success(format!(
                "Two-factor authentication turned off for {}",
                name(input.user_id)
            ));
        }
    });
    on_done(actions.bulk, move |input, result| match result {
        Ok(summary) if was_undo(Reverse::Bulk) => toasts.success(summary.message),
        Ok(summary) => {
            let reverse = match summary.action {
                BulkAction::Disable => Some(BulkAction::Enable),
                BulkAction::Enable => Some(BulkAction::Disable),
                BulkAction::Delete => None,
            };
            // Undo applies to those this action changed, not to the skipped.
            let changed: Vec<String> = input
                .user_ids
                .split(',')
                .filter(|id| !summary.skipped.iter().any(|s| s.user_id.to_string() == *id))
                .map(str::to_string)
                .collect();
            match reverse {
                Some(reverse) if !changed.is_empty() => toasts.undoable(summary.message, move || {
                    mark(Reverse::Bulk);
                    actions.bulk.dispatch(BulkUserAction {
                        action: reverse.code().to_string(),
                        user_ids: changed.join(","),
                    });
                }),
                _ => toasts.success(summary.message),
            }
        }
        Err(error) => {
            was_undo(Reverse::Bulk);
            fail(error)
        }
    });
}
