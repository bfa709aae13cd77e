//! (ssr) SQL for the users list. Substring search uses an index on both backends: SQLite's
//! FTS5 trigram table `users_search`, PostgreSQL's pg_trgm GIN index over `search_text` (the
//! lower-cased names and email).
//! (Trigram indexes need three characters; shorter searches scan a sort's index with LIKE.)
//!
//! What keeps pages fast on a large list: tab counts without a search come from
//! `user_counts` (kept by triggers); Next / Previous seek from a cursor with a row-value
//! comparison along the sort's index instead of skipping rows with OFFSET; on SQLite a search
//! lets the FTS index drive when it matches few rows and otherwise walks the sort's index,
//! which carries the searched columns (migration 0005), and its tab counts come from the FTS
//! indexes alone. In name order (the default) the FTS index's rowids are the users' places in
//! that order (`name_rank`, migration 0006), so a search's page is the index's next matching
//! rowids, whatever the number of matches.
//!
//! The SQL for one user's actions is in `single_user`, re-exported here.

mod search;
mod single_user;

pub use search::Search;
pub use single_user::{
    active_global_admin_emails, count_active_global_admins, decode_role, delete_user, find_target,
    lock_active_global_admins, lock_user, set_disabled, set_name, set_role, TargetUser,
};

use super::match_counts::Matches;
use super::{Narrow, TabCounts, TwoFactorFilter, UserSort, UserTab};
use crate::db::Backend;
use crate::domain::{Role, UserStatus};
use sqlx::{Any, Executor, FromRow, Row};

/// The list's name order (the default sort): last name, first name, and the id, which keeps
/// users of the same name in one order. SQL repeats it in the sort indexes
/// (`users_status_name`, migrations 0001 and 0005) and, on SQLite, in migration 0006's name
/// ranks and `users_name_order` index: the rank-ordered search pages are right only while
/// these agree.
pub const NAME_ORDER: [&str; 3] = ["last_name", "first_name", "id"];

/// The name order's columns of the table aliased `alias`, each followed by `direction` (`""`
/// or `" DESC"`): an ORDER BY list, or a row value to compare a cursor with.
pub fn name_order(alias: &str, direction: &str) -> String {
    NAME_ORDER
        .map(|column| format!("{alias}.{column}{direction}"))
        .join(", ")
}

/// SQLite's name ranks (`user_name_ranks.name_rank`) lie this far apart when they are
/// numbered, leaving room to place new or renamed users between their neighbours. Migration
/// 0006's SQL (migrations/sqlite/0006_name_ranked_search.sql) repeats it as 1099511627776;
/// that file must stay as it is (sqlx checks every applied migration's checksum).
pub const NAME_RANK_GAP: i64 = 1 << 40;

#[derive(Clone, Debug, FromRow)]
pub struct ListedUser {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub role: Role,
    pub status: UserStatus,
    pub totp_enabled_at: Option<i64>,
    pub last_login_at: Option<i64>,
    pub created_at: i64,
    /// Names of the user's groups, sorted.
    #[sqlx(skip)]
    pub groups: Vec<String>,
}

/// A listed user and one of their groups (if any): the list query's row.
#[derive(FromRow)]
struct ListedRow {
    #[sqlx(flatten)]
    user: ListedUser,
    group_name: Option<String>,
}

/// A sort's key of one row (the boundary a cursor seeks from).
#[derive(Clone, Debug, PartialEq)]
pub enum SortKey {
    Name { last: String, first: String },
    Email(String),
    Created(i64),
}

/// Where a page starts.
#[derive(Clone, Debug, PartialEq)]
pub enum Seek {
    /// Skip this many rows (direct jumps to a page number).
    Offset(i64),
    /// The rows right after this row (Next).
    After(SortKey, i64),
    /// The rows right before this row (Previous); returned in list order.
    Before(SortKey, i64),
}

/// ORDER BY for a sort, forwards or backwards (Previous reads backwards, then reverses).
fn order_by(sort: UserSort, backwards: bool) -> String {
    match (sort, backwards) {
        (UserSort::Name, false) => name_order("u", ""),
        (UserSort::Name, true) => name_order("u", " DESC"),
        (UserSort::Email, false) => "u.email, u.id".into(),
        (UserSort::Email, true) => "u.email DESC, u.id DESC".into(),
        (UserSort::Created, false) => "u.created_at DESC, u.id DESC".into(),
        (UserSort::Created, true) => "u.created_at, u.id".into(),
    }
}

/// `WHERE` for a tab, the 2FA and role filters and optional search; the search pattern (if
/// any) is `$1`.
fn filter(tab: UserTab, narrow: Narrow, search: Option<&Search>) -> String {
    let mut condition = format!("u.status = '{}'", tab.code());
    condition.push_str(two_factor_condition(narrow.two_factor));
    if let Some(role) = narrow.role {
        // A code from the enum, never user text.
        condition.push_str(&format!(" AND u.role = '{}'", role.code()));
    }
    if let Some(search) = search {
        condition.push_str(" AND ");
        condition.push_str(search.condition());
    }
    condition
}

fn two_factor_condition(two_factor: TwoFactorFilter) -> &'static str {
    match two_factor {
        TwoFactorFilter::Any => "",
        TwoFactorFilter::On => " AND u.totp_enabled_at IS NOT NULL",
        TwoFactorFilter::Off => " AND u.totp_enabled_at IS NULL",
    }
}

/// Each tab's users under the 2FA and role filters (and a search, read by walking: see
/// `Search::walk`).
pub async fn filtered_counts<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    narrow: Narrow,
    search: Option<&Search>,
) -> Result<(i64, i64), sqlx::Error> {
    // Each status named, so PostgreSQL can use that status's trigram index.
    let count = |tab: UserTab| {
        format!(
            "SELECT '{0}', COUNT(*) FROM users u WHERE {1}",
            tab.code(),
            filter(tab, narrow, search)
        )
    };
    let sql = format!("{} UNION ALL {}", count(UserTab::Active), count(UserTab::Disabled));
    let mut query = sqlx::query(&sql);
    if let Some(search) = search {
        query = query.bind(search.bound().to_string());
    }
    let (mut active, mut disabled) = (0, 0);
    for row in query.fetch_all(exec).await? {
        let n: i64 = row.try_get(1)?;
        match row.try_get::<String, _>(0)?.as_str() {
            "active" => active = n,
            _ => disabled = n,
        }
    }
    Ok((active, disabled))
}

pub async fn list<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    (tab, narrow): (UserTab, Narrow),
    search: Option<&Search>,
    sort: UserSort,
    seek: &Seek,
    limit: i64,
) -> Result<Vec<ListedUser>, sqlx::Error> {
    let mut next = if search.is_some() { 2 } else { 1 };
    let mut placeholder = || {
        next += 1;
        format!("${}", next - 1)
    };
    let backwards = matches!(seek, Seek::Before(..));
    let key = match seek {
        Seek::Offset(_) => None,
        Seek::After(key, id) | Seek::Before(key, id) => Some((key, *id)),
    };
    // A row-value comparison the sort's index answers with a seek. The created sort runs
    // newest first, so "after" is "smaller" there.
    let rank_ordered = search.is_some_and(Search::rank_ordered);
    let seek_condition = key.map(|(key, _)| {
        if rank_ordered {
            return rank_seek(backwards, &mut placeholder);
        }
        let (columns, arity) = match key {
            SortKey::Name { .. } => (name_order("u", ""), NAME_ORDER.len()),
            SortKey::Email(_) => ("u.email, u.id".into(), 2),
            SortKey::Created(_) => ("u.created_at, u.id".into(), 2),
        };
        let descending = matches!(key, SortKey::Created(_));
        let op = if backwards != descending { "<" } else { ">" };
        let values: Vec<String> = (0..arity).map(|_| placeholder()).collect();
        format!(" AND ({columns}) {op} ({})", values.join(", "))
    });
    let limit_at = placeholder();
    let offset = match seek {
        Seek::Offset(_) => format!(" OFFSET {}", placeholder()),
        _ => String::new(),
    };
    // The page's ids first, from the sort's covering index alone, then their rows: rows that
    // OFFSET skips are never read, only their index entries.
    let order = order_by(sort, backwards);
    let pick_order = match (rank_ordered, backwards) {
        (true, false) => "users_search.rowid",
        (true, true) => "users_search.rowid DESC",
        (false, _) => &order,
    };
    // PostgreSQL, few matches: collect the tab's matches through its trigram index first (a
    // MATERIALIZED CTE, planned on its own), then sort them, instead of walking the sort's
    // index past every row that does not match.
    let (source, condition) = if search.is_some_and(Search::collects) {
        (
            format!(
                "(WITH found AS MATERIALIZED (SELECT u.id, u.last_name, u.first_name, u.email, u.created_at \
                 FROM users u WHERE {}) SELECT * FROM found) u",
                filter(tab, narrow, search)
            ),
            "1 = 1".to_string(),
        )
    } else {
        (
            search.map_or("users u", Search::from).to_string(),
            filter(tab, narrow, search),
        )
    };
    // Each user's groups come along in the same query, one row per membership.
    let sql = format!(
        "SELECT u.id, u.first_name, u.last_name, u.email, u.role, u.status, u.totp_enabled_at, u.last_login_at, \
         u.created_at, g.name AS group_name \
         FROM (SELECT u.id AS pick FROM {source} WHERE {condition}{} ORDER BY {pick_order} LIMIT {limit_at}{offset}) page \
         JOIN users u ON u.id = page.pick \
         LEFT JOIN group_members gm ON gm.user_id = u.id LEFT JOIN groups g ON g.id = gm.group_id \
         ORDER BY {order}, g.name",
        seek_condition.unwrap_or_default(),
    );
    let mut query = sqlx::query_as(&sql);
    if let Some(search) = search {
        query = query.bind(search.bound().to_string());
    }
    if let Some((key, id)) = key {
        // In the columns' order (for a name, `NAME_ORDER`'s).
        query = match key {
            SortKey::Name { last, first } => query.bind(last.clone()).bind(first.clone()),
            SortKey::Email(email) => query.bind(email.clone()),
            SortKey::Created(at) => query.bind(*at),
        }
        .bind(id);
    }
    query = query.bind(limit);
    if let Seek::Offset(offset) = seek {
        query = query.bind(*offset);
    }
    let flat: Vec<ListedRow> = query.fetch_all(exec).await?;
    let mut rows: Vec<ListedUser> = Vec::with_capacity(limit.max(0) as usize);
    for row in flat {
        match rows.last_mut() {
            Some(user) if user.id == row.user.id => user.groups.extend(row.group_name),
            _ => rows.push(ListedUser {
                groups: row.group_name.into_iter().collect(),
                ..row.user
            }),
        }
    }
    if backwards {
        rows.reverse();
    }
    Ok(rows)
}

/// Rank-ordered pages (name order, SQLite): the rows after (before) a cursor's last name, first
/// name and id, as a bound on the FTS rowid: the rank of the last row at or before (the first
/// at or after) that key. Exact even if that row has since been renamed or deleted.
fn rank_seek(backwards: bool, placeholder: &mut impl FnMut() -> String) -> String {
    let (last, first, id) = (placeholder(), placeholder(), placeholder());
    let (op, direction, none) = if backwards {
        (("<", ">="), "", i64::MAX.to_string())
    } else {
        ((">", "<="), " DESC", (i64::MIN + 1).to_string())
    };
    format!(
        " AND users_search.rowid {} COALESCE((SELECT r.name_rank FROM users n JOIN user_name_ranks r ON r.user_id = n.id \
         WHERE ({}) {} ({last}, {first}, {id}) ORDER BY {} LIMIT 1), {none})",
        op.0,
        name_order("n", ""),
        op.1,
        name_order("n", direction),
    )
}

/// The sort key of the last row of every full page of a tab (`page_size` rows a page), with
/// the list version they were read at (`None` if the tab has no full page), in one statement.
pub async fn page_ends<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    tab: UserTab,
    sort: UserSort,
    page_size: i64,
) -> Result<(Option<i64>, Vec<(SortKey, i64)>), sqlx::Error> {
    let keys = match sort {
        UserSort::Name => "u.last_name AS k1, u.first_name AS k2",
        UserSort::Email => "u.email AS k1",
        UserSort::Created => "u.created_at AS k1",
    };
    let sql = format!(
        "SELECT ranked.*, (SELECT v FROM users_list_version WHERE id = 1) AS version FROM \
         (SELECT {keys}, u.id, ROW_NUMBER() OVER (ORDER BY {}) AS n FROM users u WHERE {}) ranked \
         WHERE ranked.n % $1 = 0 ORDER BY ranked.n",
        order_by(sort, false),
        filter(tab, Narrow::default(), None),
    );
    let rows = sqlx::query(&sql).bind(page_size).fetch_all(exec).await?;
    let mut version = None;
    let mut ends = Vec::with_capacity(rows.len());
    for row in rows {
        version = Some(row.try_get("version")?);
        let key = match sort {
            UserSort::Name => SortKey::Name {
                last: row.try_get("k1")?,
                first: row.try_get("k2")?,
            },
            UserSort::Email => SortKey::Email(row.try_get("k1")?),
            UserSort::Created => SortKey::Created(row.try_get("k1")?),
        };
        ends.push((key, row.try_get("id")?));
    }
    Ok((version, ends))
}

/// The list's sizes, read in one statement (a round trip less per page).
pub struct ListSizes {
    /// Every tab's size: active and disabled users (kept exact by triggers, migration 0003,
    /// so no index is scanned) and pending invitations.
    pub tabs: TabCounts,
    /// The list version (migration 0004).
    pub version: i64,
    /// With a search: how many users of each tab match it.
    pub matches: Option<Matches>,
}

/// The list's sizes; with a search, its matches too, the active ones counted up to `upto`.
pub async fn sizes<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    search: Option<&Search>,
    upto: i64,
) -> Result<ListSizes, sqlx::Error> {
    let (with, matching) = match search {
        // From the FTS indexes alone (no users row read): the disabled matches (their own
        // small index), then all matches up to that many more than `upto` active ones.
        Some(Search { phrase: Some(_), .. }) => (
            "WITH disabled AS MATERIALIZED (SELECT COUNT(*) AS n FROM users_search_disabled \
             WHERE users_search_disabled MATCH $1) ",
            " UNION ALL SELECT 'match_disabled', n FROM disabled \
             UNION ALL SELECT 'match_all', COUNT(*) FROM (SELECT 1 FROM users_search WHERE users_search MATCH $1 \
             LIMIT $2 + (SELECT n FROM disabled)) AS found"
                .to_string(),
        ),
        // PostgreSQL: each status's matches through its own trigram index, the active ones up
        // to `upto`. The MATERIALIZED CTE is planned without the LIMIT (with one, the planner
        // walked a sort index, all the way for a rare term) and read only as far as the LIMIT.
        Some(search) if search.backend == Backend::Postgres => (
            "",
            format!(
                " UNION ALL SELECT 'match_active', COUNT(*) FROM (SELECT 1 FROM active_matches LIMIT $2) AS found \
                 UNION ALL SELECT 'match_disabled', COUNT(*) FROM users u WHERE u.status = 'disabled' AND {0}",
                search.condition()
            ),
        ),
        // SQLite, text too short for trigrams: LIKE, stopping at `upto` active matches.
        Some(search) => (
            "",
            format!(
                " UNION ALL SELECT 'match_disabled', COUNT(*) FROM users u WHERE u.status = 'disabled' AND {0} \
                 UNION ALL SELECT 'match_active', COUNT(*) FROM (SELECT 1 FROM users u \
                 WHERE u.status = 'active' AND {0} LIMIT $2) AS found",
                search.condition()
            ),
        ),
        None => ("", String::new()),
    };
    let with = match search {
        Some(search) if search.backend == Backend::Postgres => format!(
            "WITH active_matches AS MATERIALIZED (SELECT 1 FROM users u WHERE u.status = 'active' AND {}) ",
            search.condition()
        ),
        _ => with.to_string(),
    };
    let sql = format!(
        "{with}SELECT status, n FROM user_counts \
         UNION ALL SELECT 'pending', COUNT(*) FROM invites WHERE status = 'pending' \
         UNION ALL SELECT 'version', v FROM users_list_version WHERE id = 1{matching}"
    );
    let mut query = sqlx::query(&sql);
    if let Some(search) = search {
        // Not `bound()`: the counts use the FTS index whenever there is a phrase, whatever
        // plan the list takes (it is chosen from these counts). One more than `upto` tells
        // whether there are more.
        query = query.bind(search.phrase.as_deref().unwrap_or(&search.like));
        query = query.bind(upto.saturating_add(1));
    }
    let mut tabs = TabCounts::default();
    let mut version = 0;
    let (mut all, mut active, mut disabled) = (None, 0, 0);
    for row in query.fetch_all(exec).await? {
        let n: i64 = row.try_get(1)?;
        match row.try_get::<String, _>(0)?.as_str() {
            "active" => tabs.active = n,
            "disabled" => tabs.disabled = n,
            "pending" => tabs.pending = n,
            "version" => version = n,
            "match_all" => all = Some(n),
            "match_active" => active = n,
            "match_disabled" => disabled = n,
            _ => {}
        }
    }
    let matches = search.map(|_| {
        let active = all.map_or(active, |all| all - disabled);
        Matches {
            active: active.min(upto),
            active_more: active > upto,
            disabled,
        }
    });
    Ok(ListSizes { tabs, version, matches })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SQLite's name ranks, numbered by migration 0006's SQL.
    const NAME_RANKS_SQL: &str = include_str!("../../../migrations/sqlite/0006_name_ranked_search.sql");

    #[test]
    fn the_name_order_qualifies_each_column_in_one_direction() {
        assert_eq!(name_order("u", ""), "u.last_name, u.first_name, u.id");
        assert_eq!(
            name_order("n", " DESC"),
            "n.last_name DESC, n.first_name DESC, n.id DESC"
        );
    }

    #[test]
    fn migration_0006_ranks_users_in_the_name_order_and_the_rank_gap() {
        let order = format!("ORDER BY {}", NAME_ORDER.join(", "));
        assert_eq!(
            NAME_RANKS_SQL.matches(&order).count(),
            2,
            "both numberings of the ranks"
        );
        let gap = NAME_RANK_GAP.to_string();
        for spacing in [format!("* {gap}"), format!("next - {gap}"), format!("prev + {gap}")] {
            assert!(NAME_RANKS_SQL.contains(&spacing), "{spacing}");
        }
    }
}
