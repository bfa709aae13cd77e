//! (ssr) SQL for the users list. Substring search uses an index on both backends: SQLite's
//! FTS5 trigram table `users_search`, PostgreSQL's pg_trgm GIN index over names and email.
//! (Trigram indexes need three characters; shorter searches scan the index table.)

use super::{UserSort, UserTab};
use crate::db::Backend;
use sqlx::{Any, Executor, FromRow, Row};

#[derive(Clone, Debug, FromRow)]
pub struct ListedUser {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub role: String,
    pub status: String,
    pub totp_enabled_at: Option<i64>,
    pub last_login_at: Option<i64>,
    pub created_at: i64,
}

/// A search, as each backend's index wants it.
pub struct Search {
    /// SQLite: an FTS5 phrase. PostgreSQL: a LIKE pattern over the lower-cased text.
    pattern: String,
    backend: Backend,
}

impl Search {
    pub fn new(backend: Backend, text: &str) -> Search {
        let lower = text.to_lowercase();
        let pattern = match backend {
            // A quoted phrase: FTS5 syntax characters in the text are taken literally.
            Backend::Sqlite if lower.chars().count() >= 3 => format!("\"{}\"", lower.replace('"', "\"\"")),
            // Too short for trigrams: LIKE over the FTS table's columns.
            _ => format!(
                "%{}%",
                lower.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
            ),
        };
        Search { pattern, backend }
    }

    /// The condition on `u` (the users table) with the pattern bound as `$1`.
    fn condition(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite if !self.pattern.starts_with('%') => {
                "u.id IN (SELECT rowid FROM users_search WHERE users_search MATCH $1)"
            }
            Backend::Sqlite => {
                "u.id IN (SELECT rowid FROM users_search WHERE first_name LIKE $1 ESCAPE '\\' \
                 OR last_name LIKE $1 ESCAPE '\\' OR email LIKE $1 ESCAPE '\\')"
            }
            Backend::Postgres => "lower(u.first_name || ' ' || u.last_name || ' ' || u.email) LIKE $1 ESCAPE '\\'",
        }
    }
}

fn order_by(sort: UserSort) -> &'static str {
    match sort {
        UserSort::Name => "u.last_name, u.first_name, u.id",
        UserSort::Email => "u.email, u.id",
        UserSort::Created => "u.created_at DESC, u.id DESC",
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
    limit: i64,
    offset: i64,
) -> Result<Vec<ListedUser>, sqlx::Error> {
    let first = if search.is_some() { 2 } else { 1 };
    let sql = format!(
        "SELECT u.id, u.first_name, u.last_name, u.email, u.role, u.status, u.totp_enabled_at, u.last_login_at, \
         u.created_at FROM users u WHERE {} ORDER BY {} LIMIT ${first} OFFSET ${}",
        filter(tab, search),
        order_by(sort),
        first + 1
    );
    let mut query = sqlx::query_as(&sql);
    if let Some(search) = search {
        query = query.bind(search.pattern.clone());
    }
    query.bind(limit).bind(offset).fetch_all(exec).await
}

pub async fn count<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    tab: UserTab,
    search: Option<&Search>,
) -> Result<i64, sqlx::Error> {
    let sql = format!("SELECT COUNT(*) FROM users u WHERE {}", filter(tab, search));
    let mut query = sqlx::query(&sql);
    if let Some(search) = search {
        query = query.bind(search.pattern.clone());
    }
    query.fetch_one(exec).await?.try_get(0)
}

/// Group names of each listed user, as (user id, group name), sorted by name.
pub async fn groups_of<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    user_ids: &[i64],
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    if user_ids.is_empty() {
        return Ok(Vec::new());
    }
    // `$N` placeholders written out: sqlx's QueryBuilder<Any> writes `?`, which PostgreSQL rejects.
    let placeholders: Vec<String> = (1..=user_ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT gm.user_id, g.name FROM group_members gm JOIN groups g ON g.id = gm.group_id \
         WHERE gm.user_id IN ({}) ORDER BY g.name",
        placeholders.join(", ")
    );
    let mut query = sqlx::query(&sql);
    for id in user_ids {
        query = query.bind(*id);
    }
    let rows = query.fetch_all(exec).await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
}

pub async fn pending_invites<'c, E: Executor<'c, Database = Any>>(exec: E) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT COUNT(*) FROM invites WHERE status = 'pending'")
        .fetch_one(exec)
        .await?
        .try_get(0)
}
