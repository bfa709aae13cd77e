//! The database handle: one `sqlx::Any` pool for SQLite or PostgreSQL. Queries use `$N`
//! placeholders, which both backends accept, so each query is written once.

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::Migrator;
use sqlx::{Any, AnyPool, Connection, Executor, Transaction};
use std::time::Duration;

mod sqlite_process;

/// A PostgreSQL connection idle at least this long is pinged before use (HikariCP's window).
const CHECK_IF_IDLE_FOR: Duration = Duration::from_millis(500);

pub type Tx<'a> = Transaction<'a, Any>;
pub type Row = AnyRow;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/postgres");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The end of a sub-select that claims queue rows of `table` (its name or alias): on
    /// PostgreSQL rows another worker is claiming right now are skipped, not waited for;
    /// SQLite has one writer, so its claiming statement is atomic as it stands.
    pub fn skip_locked(self, table: &str) -> String {
        match self {
            Backend::Postgres => format!(" FOR UPDATE OF {table} SKIP LOCKED"),
            Backend::Sqlite => String::new(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
}

impl Db {
    /// Connects to `sqlite://…` or `postgres://…`. SQLite files are created if missing and run
    /// in WAL mode with a busy timeout so readers never block the writer.
    pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
        Db::connect_with(url, None).await
    }

    /// [`Db::connect`] with at most `max_connections` (`ROSTER_DB_MAX_CONNECTIONS`) instead of
    /// the default for this machine's cores.
    pub async fn connect_with(url: &str, max_connections: Option<u32>) -> Result<Db, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(sqlx::Error::Configuration(
                "DATABASE_URL must start with sqlite:// or postgres://".into(),
            ));
        };
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2) as u32;
        let options = AnyPoolOptions::new()
            .max_connections(max_connections.unwrap_or(match backend {
                // One writer at a time either way; a few readers keep pages responsive.
                Backend::Sqlite => (cores * 2).max(4),
                Backend::Postgres => (cores * 4).max(8),
            }))
            .acquire_timeout(Duration::from_secs(10))
            // sqlx already pings each connection as it returns to the pool; its second ping
            // before every use cost each acquire a hand-off to the SQLite connection's thread
            // or a PostgreSQL round trip. A file connection cannot drop while idle; PostgreSQL
            // checks idle connections itself (below).
            .test_before_acquire(false);
        let pool = match backend {
            Backend::Sqlite => {
                sqlite_process::configure();
                options
                    // Memory-mapped reads: a search the FTS index drives reads each match's users
                    // row at random, and the default 2 MB page cache per connection holds a
                    // sliver of the table at 100,000 users, so each row cost a read() call. The
                    // map serves them from the OS page cache, which every connection shares,
                    // without a system call per row. Up to 1 GiB of the file is mapped; the
                    // map costs address space, and memory only for pages actually read.
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute(
                                "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; \
                                 PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; \
                                 PRAGMA mmap_size = 1073741824;",
                            )
                            .await?;
                            Ok(())
                        })
                    })
                    .connect(&with_create_mode(url))
                    .await?
            }
            Backend::Postgres => {
                options
                    // As HikariCP does, a connection that has sat idle for a while (and may have
                    // been dropped by the server or a proxy) is checked before use.
                    .before_acquire(|conn, meta| {
                        Box::pin(async move {
                            if meta.idle_for >= CHECK_IF_IDLE_FOR {
                                conn.ping().await?;
                            }
                            Ok(true)
                        })
                    })
                    .connect(url)
                    .await?
            }
        };
        Ok(Db { pool, backend })
    }

    /// Applies the migrations this build knows. Migrations a newer release applied are left
    /// alone (with a warning): they only add to the schema (see ARCHITECTURE.md), so during a
    /// rolling upgrade an older server keeps running against the newer schema. One of this
    /// build's own missing from the database is still applied, and a changed one is an error.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        let source: &'static Migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        // `migrate!` builds a static; this is the same one, told to pass over applied
        // migrations it does not know (`set_ignore_missing` needs one it owns).
        let mut migrator = Migrator {
            migrations: std::borrow::Cow::Borrowed(&source.migrations[..]),
            ignore_missing: source.ignore_missing,
            locking: source.locking,
            no_tx: source.no_tx,
        };
        migrator.set_ignore_missing(true);
        let known = migrator.iter().map(|m| m.version).max().unwrap_or_default();
        let newer: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE version > $1")
            .bind(known)
            .fetch_all(&self.pool)
            .await
            .unwrap_or_default();
        if !newer.is_empty() {
            tracing::warn!(
                ?newer,
                "the database has migrations from a newer release; running on against it"
            );
        }
        migrator.run(&self.pool).await
    }

    pub async fn begin(&self) -> Result<Tx<'static>, sqlx::Error> {
        self.pool.begin().await
    }

    /// Runs `job` unless another replica is running the job with this id right now (a
    /// PostgreSQL advisory lock held by a transaction, so it is released however the job ends;
    /// SQLite is served by one server). `None` when another replica has it.
    pub async fn once_across_replicas<T, F: std::future::Future<Output = T>>(
        &self,
        job_id: i64,
        job: impl FnOnce() -> F,
    ) -> Result<Option<T>, sqlx::Error> {
        if self.backend != Backend::Postgres {
            return Ok(Some(job().await));
        }
        let mut lock = self.begin().await?;
        let row = sqlx::query("SELECT pg_try_advisory_xact_lock($1)")
            .bind(job_id)
            .fetch_one(&mut *lock)
            .await?;
        let got: bool = sqlx::Row::try_get(&row, 0)?;
        if !got {
            return Ok(None);
        }
        let result = job().await;
        lock.commit().await?;
        Ok(Some(result))
    }

    /// Now, by the database's clock, as unix seconds, moved as far as `clock` is moved from the
    /// system's (tests move it). Leases that several replicas compare use this one clock, so
    /// a replica whose own clock runs ahead cannot take over another's claim early.
    pub async fn now(&self, clock: &crate::clock::Clock) -> Result<i64, sqlx::Error> {
        let sql = match self.backend {
            Backend::Sqlite => "SELECT CAST(strftime('%s', 'now') AS BIGINT)",
            Backend::Postgres => "SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) AS BIGINT)",
        };
        let database_now: i64 = sqlx::query_scalar(sql).fetch_one(&self.pool).await?;
        Ok(database_now + clock.moved_by())
    }

    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(|_| ())
    }
}

/// SQLite URLs open read-write-create unless the caller chose a mode.
fn with_create_mode(url: &str) -> String {
    if url.contains("mode=") || url.contains(":memory:") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

/// True when the error is a unique-constraint violation (on either backend).
pub fn is_unique_violation(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .map(|e| e.is_unique_violation())
        .unwrap_or(false)
}
