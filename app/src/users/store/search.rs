//! (ssr) A search's text as each backend's index wants it, and on SQLite the plan that reads
//! a page of its results: the FTS index driving, or a walk along the sort's index.

use crate::db::Backend;
use crate::users::{UserSort, PAGE_SIZE};

/// A search, as each backend's index wants it.
pub struct Search {
    /// The text searched for, lower-cased.
    lower: String,
    /// SQLite (three characters or more): an FTS5 phrase for the trigram index.
    pub(super) phrase: Option<String>,
    /// The lower-cased text with LIKE's wildcards escaped: the middle of a LIKE pattern (over
    /// the columns, or PostgreSQL's `users.search_text`).
    pub(super) like: String,
    pub(super) backend: Backend,
    /// SQLite phrase searches only: how the page is read.
    plan: Plan,
    /// PostgreSQL: the page is read from the tab's matches, collected through its trigram
    /// index (few matches), rather than by walking the sort's index.
    collect: bool,
    /// SQLite: the FTS index and LIKE on the columns find the same users. True for ASCII text
    /// (both fold ASCII case; only FTS folds other letters) and for text too short for trigrams
    /// (LIKE is the only way then).
    like_is_exact: bool,
}

impl Search {
    pub fn new(backend: Backend, text: &str) -> Search {
        let lower = text.to_lowercase();
        let trigrams = backend == Backend::Sqlite && lower.chars().count() >= 3;
        Search {
            // A quoted phrase: FTS5 syntax characters in the text are taken literally.
            phrase: trigrams.then(|| format!("\"{}\"", lower.replace('"', "\"\""))),
            like: lower.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"),
            backend,
            plan: Plan::Walk,
            collect: false,
            like_is_exact: !trigrams || lower.is_ascii(),
            lower,
        }
    }

    /// Settles how one page is read (see [`cheaper_plan`]); only a phrase search has a choice.
    /// Reads the page by walking the sort's index, testing each row: the plan that combines
    /// with another condition on the row (the 2FA filter).
    pub fn walk(&mut self) {
        self.plan = Plan::Walk;
        self.collect = false;
    }

    pub fn choose_plan(&mut self, sort: UserSort, matches: i64, rows: i64, skipped: i64) {
        if self.phrase.is_some() {
            self.plan = cheaper_plan(sort, matches, rows, skipped, self.like_is_exact);
        }
        // A walk finds many matches quickly; few, it may walk most of the tab to find.
        self.collect = self.backend == Backend::Postgres && matches <= crate::users::MATCH_COUNT_LIMIT;
    }

    /// PostgreSQL: whether the page is read from the collected matches (see `store::list`).
    pub(super) fn collects(&self) -> bool {
        self.collect
    }

    /// The search as entered, lower-cased: what identifies it (its match counts are remembered
    /// by it).
    pub fn key(&self) -> &str {
        &self.lower
    }

    /// Whether this search uses the FTS index for the list (else LIKE on the columns).
    fn uses_fts(&self) -> bool {
        self.phrase.is_some() && (self.plan != Plan::Walk || !self.like_is_exact)
    }

    /// The value bound as `$1` in `condition`.
    pub(super) fn bound(&self) -> &str {
        match &self.phrase {
            Some(phrase) if self.uses_fts() => phrase,
            _ => &self.like,
        }
    }

    /// The condition on `u` (the users table) with `bound()` as `$1`.
    /// The LIKE patterns are built in SQL around the bound text: SQLite re-prepares a
    /// statement whose LIKE pattern is a bare parameter every time it is bound (to check
    /// whether the pattern allows an index range), a cost every search page would pay.
    pub(super) fn condition(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite if self.plan != Plan::Walk => "users_search MATCH $1",
            Backend::Sqlite if self.uses_fts() => {
                "u.id IN (SELECT ranks.user_id FROM users_search \
                 JOIN user_name_ranks ranks ON ranks.name_rank = users_search.rowid WHERE users_search MATCH $1)"
            }
            Backend::Sqlite => {
                "(u.first_name LIKE ('%' || $1 || '%') ESCAPE '\\' OR u.last_name LIKE ('%' || $1 || '%') ESCAPE '\\' \
                 OR u.email LIKE ('%' || $1 || '%') ESCAPE '\\')"
            }
            // `search_text`: the lower-cased names and email (migration 0005).
            Backend::Postgres => "u.search_text LIKE ('%' || $1 || '%') ESCAPE '\\'",
        }
    }

    /// The FROM clause: CROSS JOIN makes SQLite read the FTS matches first.
    pub(super) fn from(&self) -> &'static str {
        if self.plan == Plan::Walk {
            "users u"
        } else {
            "users_search CROSS JOIN user_name_ranks ranks ON ranks.name_rank = users_search.rowid \
             CROSS JOIN users u ON u.id = ranks.user_id"
        }
    }

    pub(super) fn rank_ordered(&self) -> bool {
        self.plan == Plan::RankOrder
    }
}

/// How a SQLite search with a phrase reads its page.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Plan {
    /// Walk the sort's index, testing each row (LIKE on the index entry; the FTS match set for
    /// text LIKE cannot fold).
    Walk,
    /// Read every match from the FTS index, look each up and sort them.
    Matches,
    /// Name order: read the FTS index in rowid order (the users' `name_rank`) and stop after
    /// the page.
    RankOrder,
}

// The cost model's inputs: what a page costs on SQLite, in microseconds as measured at the
// benchmark's scale (100,000 users, see the README's benchmark section). Only their ratios decide.

/// `Plan::Matches`: each match is looked up in `users` and sorted.
const MATCHES_US_PER_MATCH: f64 = 1.0;
/// `Plan::Walk` with LIKE on the index entry: each walked row.
const WALK_US_PER_ROW: f64 = 0.5;
/// `Plan::Walk` filtered by the FTS match set (text LIKE cannot fold): reading that set once...
const WALK_FTS_SET_US: f64 = 250.0;
/// ...and testing each walked row against it.
const WALK_FTS_US_PER_ROW: f64 = 0.11;
/// Up to this many matches the FTS index always drives: its cost is bounded by the matches,
/// while a walk's grows past the estimate when the matches cluster late in the sort order.
const FEW_MATCHES: i64 = 1_500;

/// The cheaper plan for one page, from the sort, how many rows of the tab match (`matches`),
/// how many the tab holds (`rows`), how many matching rows the page skips (`skipped`) and
/// whether LIKE on the columns finds the same users as the FTS index (`like_is_exact`).
pub(super) fn cheaper_plan(sort: UserSort, matches: i64, rows: i64, skipped: i64, like_is_exact: bool) -> Plan {
    // The rank-ordered FTS index reads the fewest rows whatever the numbers: at most the
    // page's share of the matches (all of them for a tab that holds few).
    if sort == UserSort::Name {
        return Plan::RankOrder;
    }
    let matches_us = MATCHES_US_PER_MATCH * matches as f64;
    // A walk passes about rows / matches rows for each match it lists, and at most the tab.
    let wanted = (skipped + PAGE_SIZE) as f64;
    let walked = (wanted * rows as f64 / matches.max(1) as f64).min(rows as f64);
    let walk_us = if like_is_exact {
        WALK_US_PER_ROW * walked
    } else {
        WALK_FTS_SET_US + WALK_FTS_US_PER_ROW * walked
    };
    if matches <= FEW_MATCHES || matches_us < walk_us {
        Plan::Matches
    } else {
        Plan::Walk
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_order_reads_the_rank_ordered_index_whatever_the_numbers() {
        for (matches, rows, skipped, exact) in [(5_000, 90_000, 0, true), (10, 90_000, 0, false), (0, 0, 0, true)] {
            assert_eq!(
                cheaper_plan(UserSort::Name, matches, rows, skipped, exact),
                Plan::RankOrder
            );
        }
    }

    #[test]
    fn few_matches_always_let_the_fts_index_drive() {
        // Walking would read fewer rows here (every row of the tab matches), but a walk's cost
        // is an estimate and the matches' is bounded.
        assert_eq!(cheaper_plan(UserSort::Email, 1_500, 1_500, 0, true), Plan::Matches);
        assert_eq!(cheaper_plan(UserSort::Created, 0, 90_000, 0, false), Plan::Matches);
        assert_eq!(cheaper_plan(UserSort::Email, 1_501, 1_501, 0, true), Plan::Walk);
    }

    #[test]
    fn many_matches_walk_unless_the_page_lies_deep() {
        // 5,000 of 90,000 rows: the first page walks about 450 rows.
        assert_eq!(cheaper_plan(UserSort::Email, 5_000, 90_000, 0, true), Plan::Walk);
        // Skipping 4,000 matches walks about 72,000 rows: reading the matches is cheaper.
        assert_eq!(cheaper_plan(UserSort::Email, 5_000, 90_000, 4_000, true), Plan::Matches);
    }

    #[test]
    fn a_walk_filtered_by_the_fts_match_set_costs_less_per_row() {
        // About 9,000 rows walked: too many with LIKE, few enough against the match set.
        assert_eq!(cheaper_plan(UserSort::Email, 2_000, 90_000, 175, true), Plan::Matches);
        assert_eq!(cheaper_plan(UserSort::Email, 2_000, 90_000, 175, false), Plan::Walk);
    }

    #[test]
    fn a_walk_reads_at_most_the_whole_tab() {
        // The last page's estimate (more rows than the tab holds) is cut to the tab's rows,
        // which walk for less than the matches cost.
        assert_eq!(cheaper_plan(UserSort::Email, 1_600, 3_180, 1_600, true), Plan::Walk);
    }

    #[test]
    fn postgres_collects_few_matches_and_walks_for_many() {
        let mut search = Search::new(Backend::Postgres, "yamamoto");
        search.choose_plan(UserSort::Name, 383, 90_000, 0);
        assert!(search.collects());
        search.choose_plan(UserSort::Email, 4_515, 90_000, 0);
        assert!(!search.collects());
        search.choose_plan(UserSort::Created, 40, 90_000, 0);
        search.walk();
        assert!(!search.collects(), "the 2FA filter walks");
        assert!(!Search::new(Backend::Sqlite, "yamamoto").collects());
    }

    #[test]
    fn sqlite_searches_use_like_where_it_finds_the_same_users_as_the_fts_index() {
        // ASCII, many matches, by email: walk the sort's index with LIKE.
        let mut search = Search::new(Backend::Sqlite, "MAR");
        search.choose_plan(UserSort::Email, 5_000, 90_000, 0);
        assert!(!search.uses_fts());
        assert_eq!(search.bound(), "mar");
        // Few matches: the FTS index drives, whatever the text.
        search.choose_plan(UserSort::Email, 40, 90_000, 0);
        assert_eq!(search.plan, Plan::Matches);
        assert_eq!(search.bound(), "\"mar\"");
        // In name order the rank-ordered index serves any number of matches.
        search.choose_plan(UserSort::Name, 5_000, 90_000, 0);
        assert_eq!(search.plan, Plan::RankOrder);
        assert_eq!(search.bound(), "\"mar\"");
        // Non-ASCII: only the FTS index folds its case, so it also filters a walk.
        let mut search = Search::new(Backend::Sqlite, "MÜLLER");
        search.choose_plan(UserSort::Email, 5_000, 90_000, 0);
        assert!(search.uses_fts());
        assert_eq!(search.bound(), "\"müller\"");
        // Too short for trigrams: LIKE, with its wildcards escaped.
        let search = Search::new(Backend::Sqlite, "%_");
        assert!(!search.uses_fts());
        assert_eq!(search.bound(), "\\%\\_");
    }
}
