//! (ssr) The users list: one page of a tab, searched and sorted on the server.

use super::page_index;
use super::store::{self, ListedUser, Search, Seek, SortKey};
use super::{Narrow, TabCounts, UserPage, UserRow, UserSort, UserTab, MATCH_COUNT_LIMIT, PAGE_SIZE, SEARCH_MAX};
use crate::domain::{AppError, FieldError, UserStatus};
use crate::state::AppState;

/// A page number from the URL counts as at most this when it sets how far a search's matches
/// are counted: far past any list's last page, and small enough that multiplying it by
/// `PAGE_SIZE` cannot overflow. (Not SQLite's name-rank gap, `store::NAME_RANK_GAP`, although
/// it is the same power of two.)
const PAGE_NUMBER_CAP: i64 = 1 << 40;

/// What the list's URL asks for, parsed.
pub struct ListQuery {
    pub tab: UserTab,
    pub narrow: Narrow,
    pub search: String,
    pub sort: UserSort,
    pub page: i64,
    /// From a Next link: the page starts right after this row (a cursor, see `Cursor`).
    pub after: Option<(SortKey, i64)>,
    /// From a Previous link: the page ends right before this row.
    pub before: Option<(SortKey, i64)>,
}

impl ListQuery {
    /// Unknown values fall back to the defaults (a hand-edited URL still shows a list); only a
    /// search that is too long or holds control characters is refused.
    /// A cursor that does not parse, or was made for another sort, is ignored: the page is
    /// then found by its number.
    pub fn parse(
        (tab, narrow): (UserTab, Narrow),
        search: &str,
        sort: UserSort,
        page: i64,
        after: &str,
        before: &str,
    ) -> Result<ListQuery, AppError> {
        let search = search.trim().to_string();
        if search.chars().count() > SEARCH_MAX {
            return Err(FieldError::new("q", format!("Search for at most {SEARCH_MAX} characters.")).into());
        }
        // No name or email holds one, and SQLite's FTS5 cannot take some (NUL ends its query).
        if search.chars().any(char::is_control) {
            return Err(FieldError::new("q", "Search text must not contain control characters.").into());
        }
        Ok(ListQuery {
            tab,
            narrow,
            search,
            sort,
            page: page.max(1),
            after: cursor::decode(sort, after),
            before: cursor::decode(sort, before),
        })
    }
}

pub async fn list(state: &AppState, query: &ListQuery) -> Result<UserPage, AppError> {
    // One connection for the page's queries: each acquire and release of a pooled connection
    // costs a round trip of its own.
    let mut conn = state.db.pool.acquire().await?;
    let mut search = (!query.search.is_empty()).then(|| Search::new(state.db.backend, &query.search));
    // Far enough to know whether the page asked for has rows after it.
    let upto = MATCH_COUNT_LIMIT.max(query.page.min(PAGE_NUMBER_CAP) * PAGE_SIZE);
    let store::ListSizes {
        tabs,
        version: list_version,
        matches,
    } = sizes(state, &mut conn, search.as_ref(), upto).await?;
    let filtered = !query.narrow.is_any();
    if let (true, Some(search)) = (filtered, search.as_mut()) {
        search.walk();
    }
    let counts = match matches {
        // The 2FA and role filters are rarely used and have no index of their own: their counts
        // are exact.
        _ if filtered => {
            let (active, disabled) = store::filtered_counts(&mut *conn, query.narrow, search.as_ref()).await?;
            TabCounts {
                active,
                disabled,
                pending: tabs.pending,
                active_more: false,
            }
        }
        Some(matches) => TabCounts {
            active: matches.active,
            disabled: matches.disabled,
            pending: tabs.pending,
            active_more: matches.active_more,
        },
        None => tabs,
    };
    let total = counts.of(query.tab);
    let more = counts.more(query.tab);
    // When there are more, `total` is at least the page's end: a lower bound with a page after.
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1) + i64::from(more);
    let page = query.page.min(pages);
    let offset = (page - 1) * PAGE_SIZE;
    // Next / Previous seek from their cursor; a page asked for by number (or a cursor whose
    // page is out of range) skips rows.
    let seek = match (&query.after, &query.before) {
        (Some((key, id)), _) if page == query.page && page > 1 => Seek::After(key.clone(), *id),
        (None, Some((key, id))) if page == query.page && page < pages => Seek::Before(key.clone(), *id),
        // A far jump without a search seeks from the page index instead of walking.
        _ if search.is_none() && !filtered && offset >= page_index::MIN_SKIP => state
            .users_pages
            .start_of(&mut conn, query.tab, query.sort, list_version, page)
            .await?
            .map_or(Seek::Offset(offset), |(key, id)| Seek::After(key, id)),
        _ => Seek::Offset(offset),
    };
    if let Some(search) = search.as_mut().filter(|_| !filtered) {
        let tab_rows = tabs.of(query.tab);
        let skipped = if matches!(seek, Seek::Offset(_)) { offset } else { 0 };
        // A count that stopped short plans for the most matches there could be.
        let matches = if more { tab_rows } else { total };
        search.choose_plan(query.sort, matches, tab_rows, skipped);
    }
    let mut listed = store::list(
        &mut *conn,
        (query.tab, query.narrow),
        search.as_ref(),
        query.sort,
        &seek,
        PAGE_SIZE,
    )
    .await?;
    // A stale cursor (rows added or removed since the link was made) can land short of a full
    // page, or past the end: that page is then found by its number.
    let expected = PAGE_SIZE.min(total - offset).max(0) as usize;
    if !matches!(seek, Seek::Offset(_)) && listed.len() != expected {
        listed = store::list(
            &mut *conn,
            (query.tab, query.narrow),
            search.as_ref(),
            query.sort,
            &Seek::Offset(offset),
            PAGE_SIZE,
        )
        .await?;
    }
    let next_after = (page < pages)
        .then(|| listed.last().map(|u| cursor::encode(query.sort, u)))
        .flatten();
    let prev_before = (page > 1)
        .then(|| listed.first().map(|u| cursor::encode(query.sort, u)))
        .flatten();
    let emails: Vec<&str> = listed.iter().map(|u| u.email.as_str()).collect();
    let locked = crate::auth::limits::locked_among(&mut *conn, &emails, state.clock.now()).await?;
    let rows = listed
        .into_iter()
        .map(|u| UserRow {
            locked: locked.contains(&u.email),
            groups: u.groups,
            id: u.id,
            first_name: u.first_name,
            last_name: u.last_name,
            email: u.email,
            role: u.role,
            two_factor: u.totp_enabled_at.is_some(),
            last_login_at: u.last_login_at,
            created_at: u.created_at,
            disabled: u.status == UserStatus::Disabled,
        })
        .collect();
    Ok(UserPage {
        rows,
        page,
        pages,
        total,
        more,
        counts,
        next_after,
        prev_before,
    })
}

/// The list's sizes, with a search's match counts from `state.users_matches` when they were
/// counted at the current list version, far enough for `upto`. One statement either way,
/// unless the remembered counts turn out stale: then a second one counts.
async fn sizes(
    state: &AppState,
    conn: &mut sqlx::AnyConnection,
    search: Option<&Search>,
    upto: i64,
) -> Result<store::ListSizes, AppError> {
    let remembered = search
        .and_then(|search| state.users_matches.get(search.key()))
        .filter(|(_, matches)| matches.serves(upto));
    let mut sizes = store::sizes(&mut *conn, search.filter(|_| remembered.is_none()), upto).await?;
    let Some(search) = search else {
        return Ok(sizes);
    };
    match remembered {
        Some((version, matches)) if version == sizes.version => {
            sizes.matches = Some(matches);
            return Ok(sizes);
        }
        // Counted at an older version: count again, with the version read alongside.
        Some(_) => sizes = store::sizes(&mut *conn, Some(search), upto).await?,
        None => {}
    }
    if let Some(matches) = sizes.matches {
        state.users_matches.put(search.key(), sizes.version, matches);
    }
    Ok(sizes)
}

/// Cursors: a row's sort key and id as one URL-safe token, `<sort>.<key parts>.<id>` with text
/// parts hex-encoded (any name or email survives, and the token needs no URL escaping).
mod cursor {
    use super::{ListedUser, SortKey, UserSort};

    pub fn encode(sort: UserSort, user: &ListedUser) -> String {
        let key = match sort {
            UserSort::Name => format!("{}.{}", hex::encode(&user.last_name), hex::encode(&user.first_name)),
            UserSort::Email => hex::encode(&user.email),
            UserSort::Created => user.created_at.to_string(),
        };
        format!("{}.{key}.{}", sort.code(), user.id)
    }

    /// The key and id, if `token` is a cursor for `sort`.
    pub fn decode(sort: UserSort, token: &str) -> Option<(SortKey, i64)> {
        let text = |part: &str| hex::decode(part).ok().and_then(|b| String::from_utf8(b).ok());
        let parts: Vec<&str> = token.split('.').collect();
        let (code, key, id) = match parts.as_slice() {
            [code, last, first, id] if sort == UserSort::Name => (
                *code,
                SortKey::Name {
                    last: text(last)?,
                    first: text(first)?,
                },
                id,
            ),
            [code, email, id] if sort == UserSort::Email => (*code, SortKey::Email(text(email)?), id),
            [code, at, id] if sort == UserSort::Created => (*code, SortKey::Created(at.parse().ok()?), id),
            _ => return None,
        };
        (code == sort.code()).then_some(())?;
        Some((key, id.parse().ok()?))
    }
}

/// What a user may do now (their role's and groups' permissions), or `None` when they are
/// disabled or gone: such a user can no longer grant anything.
pub async fn authority(state: &AppState, user: i64) -> Result<Option<Vec<crate::domain::Permission>>, sqlx::Error> {
    let mut tx = state.db.pool.begin().await?;
    let target = store::find_target(&mut tx, user).await?;
    tx.commit().await?;
    Ok(target
        .filter(|t| t.status == UserStatus::Active)
        .map(|t| t.permissions()))
}
