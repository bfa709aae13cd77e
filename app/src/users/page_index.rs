//! (ssr) Page jumps without long OFFSET walks. Asking for page N by number would skip
//! (N - 1) × PAGE_SIZE index entries: 45,000 for the middle of 100,000 users, the largest
//! cost of such a page. The index keeps, per tab and sort, the sort key of every page's last
//! row, so page N becomes a seek right after page N - 1's last row, as a Next link does.
//!
//! It is valid for one version of the list order (`users_list_version`, which triggers bump on
//! every change that can move a user, so replicas notice each other's writes). A stale index
//! is rebuilt by one request at a time; the others meanwhile walk as before.

use super::store::{self, SortKey};
use super::{UserSort, UserTab, PAGE_SIZE};
use sqlx::AnyConnection;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Jumps that skip fewer rows walk: stepping over that many index entries costs less than
/// rebuilding the index (a read of the whole tab) after each change to the list.
pub const MIN_SKIP: i64 = 2_000;

#[derive(Clone, Default)]
pub struct PageIndex {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    built: Mutex<HashMap<(UserTab, UserSort), Arc<PageEnds>>>,
    building: tokio::sync::Mutex<()>,
}

/// The last row of every full page of one tab and sort, at one list version.
struct PageEnds {
    version: i64,
    /// `keys[k]`: the last row of page k + 1.
    keys: Vec<(SortKey, i64)>,
}

impl PageEnds {
    /// Where page `page` starts: right after the last row of the page before it.
    fn start_of(&self, page: i64) -> Option<(SortKey, i64)> {
        let before = usize::try_from(page - 2).ok()?;
        self.keys.get(before).cloned()
    }
}

impl std::fmt::Debug for PageIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PageIndex")
    }
}

impl PageIndex {
    /// The row page `page` (of `tab` sorted by `sort`) starts right after, if the index for
    /// list version `version` has it or can be built now (on `conn`, the caller's connection);
    /// `None` means: walk.
    pub async fn start_of(
        &self,
        conn: &mut AnyConnection,
        tab: UserTab,
        sort: UserSort,
        version: i64,
        page: i64,
    ) -> Result<Option<(SortKey, i64)>, sqlx::Error> {
        if let Some(ends) = self.current(tab, sort, version) {
            return Ok(ends.start_of(page));
        }
        let Ok(_building) = self.inner.building.try_lock() else {
            return Ok(None);
        };
        // Another request may have finished building it between the check above and the lock.
        if let Some(ends) = self.current(tab, sort, version) {
            return Ok(ends.start_of(page));
        }
        // The version comes from the same statement as the keys, so they always agree; it may
        // be newer than the caller's, whose page is then walked.
        let (built_at, keys) = store::page_ends(&mut *conn, tab, sort, PAGE_SIZE).await?;
        let ends = Arc::new(PageEnds {
            version: built_at.unwrap_or(version),
            keys,
        });
        let found = (ends.version == version).then(|| ends.start_of(page)).flatten();
        self.lock().insert((tab, sort), ends);
        Ok(found)
    }

    fn current(&self, tab: UserTab, sort: UserSort, version: i64) -> Option<Arc<PageEnds>> {
        self.lock()
            .get(&(tab, sort))
            .filter(|ends| ends.version == version)
            .cloned()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(UserTab, UserSort), Arc<PageEnds>>> {
        // The map holds no invariant a panic could break halfway: use it as it is.
        self.inner.built.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
