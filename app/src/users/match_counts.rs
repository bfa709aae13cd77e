//! (ssr) How many users of each tab match a search, remembered per list version.
//!
//! Counting every match costs a search page 0.2 to 1 ms at 100,000 users on average (more for
//! a long phrase matching many users: a company's domain, 8,000 matches of seven trigrams,
//! takes several ms), whatever page of the results it shows. The counts stay exact while
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

/// Matches of a search: (active, disabled).
pub type Matches = (i64, i64);

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

    #[test]
    fn keeps_the_latest_reading_and_forgets_the_least_recently_used_search() {
        let counts = MatchCounts::default();
        counts.put("mar", 7, (5_000, 500));
        counts.put("mar", 8, (5_001, 500));
        assert_eq!(counts.get("mar"), Some((8, (5_001, 500))));
        for n in 0..CAPACITY - 1 {
            counts.put(&format!("term{n}"), 8, (1, 0));
        }
        // "mar" is the most recently used of the full cache: the next new search pushes out
        // "term0" instead.
        assert!(counts.get("mar").is_some());
        counts.put("another", 8, (2, 0));
        assert_eq!(counts.get("term0"), None);
        assert_eq!(counts.get("mar"), Some((8, (5_001, 500))));
    }
}
