//! The bulk-actions toolbar: shown while users are selected; one confirmation, then the
//! server's summary of what happened to each of them (a toast, `feedback.rs`).

use super::api::BulkUserAction;
use super::row_menu::UserActions;
use super::BulkAction;
use crate::ui::Dialog;
use leptos::prelude::*;

#[component]
pub fn BulkBar(actions: UserActions) -> impl IntoView {
    let selected = actions.selected;
    let asking = RwSignal::new(None::<BulkAction>);
    let open = RwSignal::new(false);
    let count = move || selected.with(Vec::len);
    let any_selected = move || count() != 0;
    let pending = actions.bulk.pending();
    // A changed selection closes the question, so it never names a stale count.
    Effect::new(move |_| {
        selected.track();
        asking.set(None);
        open.set(false);
    });
    // Done: the selected users are handled, so the selection (and the question) go.
    Effect::new(move |_| {
        if matches!(actions.bulk.value().get(), Some(Ok(_))) {
            selected.set(Vec::new());
        }
    });
    let confirm = move |_| {
        let Some(action) = asking.get_untracked() else {
            return;
        };
        open.set(false);
        let ids: Vec<String> = selected.with_untracked(|s| s.iter().map(i64::to_string).collect());
        actions.bulk.dispatch(BulkUserAction {
            action: action.code().to_string(),
            user_ids: ids.join(","),
        });
    };
    let buttons = move || {
        BulkAction::ALL
            .into_iter()
            .map(|action| {
                let class = if action == BulkAction::Delete {
                    "secondary danger"
                } else {
                    "secondary"
                };
                view! {
                    <button type="button" class=class aria-haspopup="dialog" on:click=move |_| {
                        asking.set(Some(action));
                        open.set(true);
                    }>
                        {action.label()}
                    </button>
                }
            })
            .collect_view()
    };
    view! {
        <Show when=any_selected>
            <div class="bulk-bar" role="toolbar" aria-label="Bulk actions">
                <span class="bulk-count">{move || format!("{} selected", count())}</span>
                {buttons()}
                <Dialog
                    open=open
                    id="bulk-confirm"
                    title=move || asking.get().map(|a| a.question(count())).unwrap_or_default()
                >
                    <div class="button-row">
                        <button type="button" class="secondary danger" on:click=confirm disabled=move || pending.get()>
                            "Confirm"
                        </button>
                        <button type="button" class="link-button" on:click=move |_| open.set(false)>"Cancel"</button>
                    </div>
                </Dialog>
            </div>
        </Show>
    }
}
