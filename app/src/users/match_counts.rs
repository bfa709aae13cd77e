//! (ssr) How many users of each tab match a search, remembered per list version.
//!
//! Counting every match is a large part of a search page's work, and grows with the matches
//! (most for a long phrase that many users match, such as a company's domain), whatever page
//! of the results it shows. The counts stay exact while
//! `users_list_version` stays the same, since it moves with every change that can add, remove
//! or re-tab a match (an insert, a delete, a status, name or email change). So paging through
//! results, reloading, going back and forth between searches and other admins' identical
//! searches count once per version; a new search counts afresh.

use lru::LruCache;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

/// Searches remembered per process: a few KiB, more than a handful of admins type between two
/// changes of the list.
pub const CAPACITY: usize = 512;

/// How many users of each tab match a search: the active ones counted up to some number
/// (`active`, with `active_more` when there are more), the disabled ones exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Matches {
    pub active: i64,
    pub active_more: bool,
    pub disabled: i64,
}

impl Matches {
    /// Whether this reading answers a page that needs the active matches counted up to `upto`.
    pub fn serves(&self, upto: i64) -> bool {
        !self.active_more || self.active >= upto
    }
}

#[derive(Clone)]
pub struct MatchCounts {
    inner: Arc<Mutex<LruCache<String, (i64, Matches)>>>,
}

impl Default for MatchCounts {
    fn default() -> Self {
        let capacity = NonZeroUsize::new(CAPACITY).expect("CAPACITY is not zero");
        MatchCounts {
            inner: Arc::new(Mutex::new(LruCache::new(capacity))),
        }
    }
}

impl std::fmt::Debug for MatchCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MatchCounts")
    }
}

impl MatchCounts {
    /// The counts remembered for `search` and the list version they were read at.
    pub fn get(&self, search: &str) -> Option<(i64, Matches)> {
        self.lock().get(search).copied()
    }

    /// Remembers `matches`, read at list version `version`, replacing an older reading.
    pub fn put(&self, search: &str, version: i64, matches: Matches) {
        self.lock().put(search.to_string(), (version, matches));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<String, (i64, Matches)>> {
        // Entries are written whole: a panic cannot leave one half-updated.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counted(active: i64, active_more: bool, disabled: i64) -> Matches {
        Matches {
            active,
            active_more,
            disabled,
        }
    }

    #[test]
    fn keeps_the_latest_reading_and_forgets_the_least_recently_used_search() {
        let counts = MatchCounts::default();
        counts.put("mar", 7, counted(1_000, true, 500));
        counts.put("mar", 8, counted(1_000, true, 501));
        assert_eq!(counts.get("mar"), Some((8, counted(1_000, true, 501))));
        for n in 0..CAPACITY - 1 {
            counts.put(&format!("term{n}"), 8, counted(1, false, 0));
        }
        // "mar" is the most recently used of the full cache: the next new search pushes out
        // "term0" instead.
        assert!(counts.get("mar").is_some());
        counts.put("another", 8, counted(2, false, 0));
        assert_eq!(counts.get("term0"), None);
        assert_eq!(counts.get("mar"), Some((8, counted(1_000, true, 501))));
    }

    #[test]
    fn a_count_that_stopped_short_serves_only_pages_up_to_where_it_stopped() {
        let capped = counted(1_000, true, 3);
        assert!(capped.serves(1_000));
        assert!(!capped.serves(1_025), "page 41 needs counting further");
        let exact = counted(1_010, false, 3);
        assert!(exact.serves(1_000) && exact.serves(5_000));
    }
}
