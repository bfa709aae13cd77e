//! (ssr) SQL for the users list. Substring search uses an index on both backends: SQLite's
//! FTS5 trigram table `users_search`, PostgreSQL's pg_trgm GIN index over `search_text` (the
//! lower-cased names and email).
//! (Trigram indexes need three characters; shorter searches scan a sort's index with LIKE.)
//!
//! At 100,000 users (figures in the 0003 migration's commit): tab counts without a search
//! come from `user_counts` (kept by triggers); Next / Previous seek from a cursor with a
//! row-value comparison along the sort's index instead of skipping rows with OFFSET; on
//! SQLite a search lets the FTS index drive when it matches few rows and otherwise walks the
//! sort's index, which carries the searched columns (migration 0005), and its tab counts come
//! from the FTS indexes alone. In name order (the default) the FTS index's rowids are the users'
//! places in that order (`name_rank`, migration 0006), so a search's page is the index's next
//! matching rowids, whatever the number of matches.

use super::match_counts::Matches;
use super::{TabCounts, UserSort, UserTab};
use crate::db::Backend;
use crate::domain::{Role, UserStatus};
use sqlx::{Any, Executor, FromRow, Row};

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

/// A search, as each backend's index wants it.
pub struct Search {
    /// The text searched for, lower-cased.
    lower: String,
    /// SQLite (three characters or more): an FTS5 phrase for the trigram index.
    phrase: Option<String>,
    /// The lower-cased text with LIKE's wildcards escaped: the middle of a LIKE pattern (over
    /// the columns, or PostgreSQL's `users.search_text`).
    like: String,
    backend: Backend,
    /// SQLite phrase searches only: how the page is read.
    plan: Plan,
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
            like_is_exact: !trigrams || lower.is_ascii(),
            lower,
        }
    }

    /// Picks the cheaper plan for one page, from the sort, how many rows of the tab match
    /// (`matches`), how many the tab holds (`rows`) and how many matching rows the page skips
    /// (`skipped`). In name order the rank-ordered FTS index reads the fewest rows whatever
    /// the numbers: at most the page's share of the matches (all of them for a tab that holds
    /// few). Otherwise, measured at 100k users: the FTS-driven plan costs ~1 µs per match (row
    /// lookup + sort); walking the sort's index ~0.5 µs per row with LIKE on the index entry
    /// (~0.25 ms for the FTS match set plus ~0.1 µs per row without), and walks about
    /// rows / matches rows per match it lists (more when matches cluster in the sort order,
    /// which is why few matches always go FTS-driven: its cost is bounded).
    pub fn choose_plan(&mut self, sort: UserSort, matches: i64, rows: i64, skipped: i64) {
        if self.phrase.is_none() {
            return;
        }
        if sort == UserSort::Name {
            self.plan = Plan::RankOrder;
            return;
        }
        let driven_us = matches as f64;
        let wanted = (skipped + super::PAGE_SIZE) as f64;
        let walked = (wanted * rows as f64 / matches.max(1) as f64).min(rows as f64);
        let walk_us = if self.like_is_exact {
            0.5 * walked
        } else {
            250.0 + 0.11 * walked
        };
        self.plan = if matches <= 1_500 || driven_us < walk_us {
            Plan::Matches
        } else {
            Plan::Walk
        };
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
    fn bound(&self) -> &str {
        match &self.phrase {
            Some(phrase) if self.uses_fts() => phrase,
            _ => &self.like,
        }
    }

    /// The condition on `u` (the users table) with `bound()` as `$1`.
    /// The LIKE patterns are built in SQL around the bound text: SQLite re-prepares a
    /// statement whose LIKE pattern is a bare parameter every time it is bound (to check
    /// whether the pattern allows an index range), which cost a tenth of a search page.
    fn condition(&self) -> &'static str {
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
    fn from(&self) -> &'static str {
        if self.plan == Plan::Walk {
            "users u"
        } else {
            "users_search CROSS JOIN user_name_ranks ranks ON ranks.name_rank = users_search.rowid \
             CROSS JOIN users u ON u.id = ranks.user_id"
        }
    }

    fn rank_ordered(&self) -> bool {
        self.plan == Plan::RankOrder
    }
}

/// How a SQLite search with a phrase reads its page.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Plan {
    /// Walk the sort's index, testing each row (LIKE on the index entry; the FTS match set for
    /// text LIKE cannot fold).
    Walk,
    /// Read every match from the FTS index, look each up and sort them.
    Matches,
    /// Name order: read the FTS index in rowid order (the users' `name_rank`) and stop after
    /// the page.
    RankOrder,
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
fn order_by(sort: UserSort, backwards: bool) -> &'static str {
    match (sort, backwards) {
        (UserSort::Name, false) => "u.last_name, u.first_name, u.id",
        (UserSort::Name, true) => "u.last_name DESC, u.first_name DESC, u.id DESC",
        (UserSort::Email, false) => "u.email, u.id",
        (UserSort::Email, true) => "u.email DESC, u.id DESC",
        (UserSort::Created, false) => "u.created_at DESC, u.id DESC",
        (UserSort::Created, true) => "u.created_at, u.id",
    }
}

/// `WHERE` for a tab and optional search; the search pattern (if any) is `$1`.
fn filter(tab: UserTab, search: Option<&Search>) -> String {
    let status = format!("u.status = '{}'", tab.code());
    match search {
        Some(search) => format!("{status} AND {}", search.condition()),
        None => status,
    }
}

pub async fn list<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    tab: UserTab,
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
            SortKey::Name { .. } => ("u.last_name, u.first_name, u.id", 3),
            SortKey::Email(_) => ("u.email, u.id", 2),
            SortKey::Created(_) => ("u.created_at, u.id", 2),
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
    // OFFSET skips are never read (at 100k users the middle page drops from 2.6 to 1.3 ms).
    let order = order_by(sort, backwards);
    let pick_order = match (rank_ordered, backwards) {
        (true, false) => "users_search.rowid",
        (true, true) => "users_search.rowid DESC",
        (false, _) => order,
    };
    // Each user's groups come along in the same query, one row per membership.
    let sql = format!(
        "SELECT u.id, u.first_name, u.last_name, u.email, u.role, u.status, u.totp_enabled_at, u.last_login_at, \
         u.created_at, g.name AS group_name \
         FROM (SELECT u.id AS pick FROM {} WHERE {}{} ORDER BY {pick_order} LIMIT {limit_at}{offset}) page \
         JOIN users u ON u.id = page.pick \
         LEFT JOIN group_members gm ON gm.user_id = u.id LEFT JOIN groups g ON g.id = gm.group_id \
         ORDER BY {order}, g.name",
        search.map_or("users u", Search::from),
        filter(tab, search),
        seek_condition.unwrap_or_default(),
    );
    let mut query = sqlx::query_as(&sql);
    if let Some(search) = search {
        query = query.bind(search.bound().to_string());
    }
    if let Some((key, id)) = key {
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
         WHERE (n.last_name, n.first_name, n.id) {} ({last}, {first}, {id}) \
         ORDER BY n.last_name{direction}, n.first_name{direction}, n.id{direction} LIMIT 1), {none})",
        op.0, op.1
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
        filter(tab, None),
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
        // PostgreSQL: one pass over the trigram index's matches, counted in full and cut at
        // `upto` below. With a LIMIT, its planner walked a sort index instead, all the way for a
        // rare term (a new search each request: 534 -> 432/s).
        Some(search) if search.backend == Backend::Postgres => (
            "",
            format!(
                " UNION ALL SELECT 'match_' || u.status, COUNT(*) FROM users u WHERE {} GROUP BY u.status",
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
        if search.backend == Backend::Sqlite {
            query = query.bind(upto.saturating_add(1));
        }
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

// ---- Single-user actions (edit, role, disable, enable, delete) ----

/// The user an action is about, as it stands inside the action's transaction.
#[derive(Clone, Debug, FromRow)]
pub struct TargetUser {
    pub id: i64,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub role: Role,
    pub status: UserStatus,
    /// The roles the user's groups grant (filled by [`find_target`] only).
    #[sqlx(skip)]
    pub group_roles: Vec<Role>,
}

impl TargetUser {
    /// What the user may do: their role's permissions and their groups'.
    pub fn permissions(&self) -> Vec<crate::domain::Permission> {
        crate::domain::effective_permissions(self.role, self.group_roles.iter().copied())
    }

    /// Holds Global Administrator rights, by role or through a group.
    pub fn is_global_admin(&self) -> bool {
        self.permissions()
            .contains(&crate::domain::Permission::ManageGlobalAdmins)
    }
}

/// PostgreSQL only (SQLite has no row locks): locks the active Global Administrators, in id
/// order, so concurrent actions that could remove the last one queue up instead of each
/// counting the other's target as still there.
pub async fn lock_active_global_admins<'c, E: Executor<'c, Database = Any>>(exec: E) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT id FROM users WHERE role = 'global_admin' AND status = 'active' ORDER BY id FOR UPDATE")
        .fetch_all(exec)
        .await?;
    Ok(())
}

/// A write that changes nothing: it takes SQLite's write lock (before any read, so the
/// transaction never reads a stale snapshot) and PostgreSQL's row lock. False: no such user.
pub async fn lock_user<'c, E: Executor<'c, Database = Any>>(exec: E, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE users SET updated_at = updated_at WHERE id = $1")
        .bind(id)
        .execute(exec)
        .await?
        .rows_affected();
    Ok(done == 1)
}

/// One user with the roles their groups grant (one row per membership, at least one row).
pub async fn find_target(tx: &mut crate::db::Tx<'_>, id: i64) -> Result<Option<TargetUser>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT u.id, u.email, u.first_name, u.last_name, u.role, u.status, g.role AS group_role \
         FROM users u LEFT JOIN group_members m ON m.user_id = u.id LEFT JOIN groups g ON g.id = m.group_id \
         WHERE u.id = $1",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let mut target = TargetUser::from_row(first)?;
    for row in &rows {
        if let Some(code) = row.try_get::<Option<String>, _>("group_role")? {
            target
                .group_roles
                .push(Role::from_code(&code).ok_or_else(|| sqlx::Error::ColumnDecode {
                    index: "groups.role".into(),
                    source: format!("unknown role code {code:?}").into(),
                })?);
        }
    }
    Ok(Some(target))
}

/// A role code read from `column`, or the error that names the column and the value.
pub fn decode_role(column: &str, code: String) -> Result<Role, sqlx::Error> {
    Role::try_from(code).map_err(|e| sqlx::Error::ColumnDecode {
        index: column.into(),
        source: Box::new(e),
    })
}

/// The addresses of every active Global Administrator, by their role or a group's.
pub async fn active_global_admin_emails<'c, E: Executor<'c, Database = Any>>(
    exec: E,
) -> Result<Vec<String>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT u.email FROM users u WHERE u.status = 'active' AND (u.role = 'global_admin' OR EXISTS \
         (SELECT 1 FROM group_members m JOIN groups g ON g.id = m.group_id \
          WHERE m.user_id = u.id AND g.role = 'global_admin')) ORDER BY u.id",
    )
    .fetch_all(exec)
    .await?;
    rows.iter().map(|r| r.try_get(0)).collect()
}

pub async fn set_name<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    id: i64,
    first_name: &str,
    last_name: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET first_name = $1, last_name = $2, updated_at = $3 WHERE id = $4")
        .bind(first_name)
        .bind(last_name)
        .bind(now)
        .bind(id)
        .execute(exec)
        .await?;
    Ok(())
}

pub async fn set_role<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    id: i64,
    role: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET role = $1, updated_at = $2 WHERE id = $3")
        .bind(role)
        .bind(now)
        .bind(id)
        .execute(exec)
        .await?;
    Ok(())
}

/// Disables (`disabled_at` = now) or re-enables (`disabled_at` cleared) a user.
pub async fn set_disabled<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    id: i64,
    disabled: bool,
    now: i64,
) -> Result<(), sqlx::Error> {
    let sql = if disabled {
        "UPDATE users SET status = 'disabled', disabled_at = $1, updated_at = $1 WHERE id = $2"
    } else {
        "UPDATE users SET status = 'active', disabled_at = NULL, updated_at = $1 WHERE id = $2"
    };
    sqlx::query(sql).bind(now).bind(id).execute(exec).await?;
    Ok(())
}

/// Deletes the user; sessions and memberships go with it (ON DELETE CASCADE), references
/// elsewhere become NULL, and SQLite's search index follows by trigger.
pub async fn delete_user<'c, E: Executor<'c, Database = Any>>(exec: E, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(id)
        .execute(exec)
        .await?;
    Ok(())
}

pub async fn count_active_global_admins<'c, E: Executor<'c, Database = Any>>(exec: E) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT COUNT(*) FROM users WHERE role = 'global_admin' AND status = 'active'")
        .fetch_one(exec)
        .await?
        .try_get(0)
}

#[cfg(test)]
mod tests {
    use super::*;

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
