//! Storage: the connection pool for SQLite or PostgreSQL, migrations, and one module per
//! aggregate holding every SQL string the program runs.
//!
//! Both backends run the same SQL text (SQLite accepts PostgreSQL's `$1` placeholders)
//! through [`with_pool!`], which expands a query once per backend. Identifiers and
//! timestamps are made in Rust, so rows look the same on both sides.

pub mod analytics;
pub mod dlna;
mod filter;
pub mod guest_passes;
pub mod playlists;
pub mod progress;
pub mod series;
pub mod sessions;
pub mod users;
pub mod videos;

use crate::config::Settings;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr;
use std::time::Duration;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// Runs `$body` with `$pool` bound to whichever backend `$db` uses.
macro_rules! with_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::db::Database::Sqlite($pool) => $body,
            $crate::db::Database::Postgres($pool) => $body,
        }
    };
}
pub(crate) use with_pool;

/// A storage failure, in the terms callers act on.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// Every connection stayed busy for `database.acquire_timeout`; retrying may work.
    #[error("the database is busy: no connection became free in time")]
    Busy,
    /// A unique constraint refused the write; holds the constraint's name when known.
    #[error("a unique constraint was violated ({0})")]
    Duplicate(String),
    /// A foreign key refused the write: the row it points to does not exist.
    #[error("a referenced row does not exist ({0})")]
    MissingReference(String),
    /// The database cannot be reached (refused, restarting, our connection cut);
    /// service resumes by itself when it returns.
    #[error("the database is unreachable: {0}")]
    Unreachable(String),
    /// A text value the database cannot store (PostgreSQL refuses the NUL character).
    #[error("a text value cannot be stored: {0}")]
    InvalidText(String),
    /// The database URL cannot be used.
    #[error("database.url: {0}")]
    Config(String),
    #[error(transparent)]
    Other(#[from] sqlx::Error),
}

impl DbError {
    fn from_sqlx(err: sqlx::Error) -> Self {
        match err {
            sqlx::Error::PoolTimedOut => Self::Busy,
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => Self::Unreachable(err.to_string()),
            sqlx::Error::Database(db) => {
                let name = db.constraint().unwrap_or_default().to_owned();
                let code = db.code().unwrap_or_default().into_owned();
                match db.kind() {
                    sqlx::error::ErrorKind::UniqueViolation => Self::Duplicate(name),
                    sqlx::error::ErrorKind::ForeignKeyViolation => Self::MissingReference(name),
                    _ if unreachable_code(&code) => Self::Unreachable(db.message().to_owned()),
                    // SQLite's SQLITE_BUSY and SQLITE_LOCKED after `busy_timeout`: another
                    // writer held the database (a long scan statement); retrying works.
                    _ if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some()
                        && matches!(code.as_str(), "5" | "6" | "261" | "517") =>
                    {
                        Self::Busy
                    }
                    // 22021: a byte sequence the encoding cannot hold (NUL in text).
                    _ if code == "22021" || code == "22P05" => {
                        Self::InvalidText(db.message().to_owned())
                    }
                    _ => Self::Other(sqlx::Error::Database(db)),
                }
            }
            other => Self::Other(other),
        }
    }
}

/// PostgreSQL's SQLSTATEs for a server that cannot serve this connection now:
/// connection exceptions (08), shutdown and restart (57P01-57P03), too many
/// connections (53300), a database not accepting connections (55000 at connect).
fn unreachable_code(code: &str) -> bool {
    code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03" | "53300" | "55000")
}

/// A shorthand for storage results.
pub type DbResult<T> = Result<T, DbError>;

/// Maps sqlx errors into [`DbError`]; used by every query function.
pub(crate) trait SqlxResultExt<T> {
    fn db(self) -> DbResult<T>;
}

impl<T> SqlxResultExt<T> for Result<T, sqlx::Error> {
    fn db(self) -> DbResult<T> {
        self.map_err(DbError::from_sqlx)
    }
}

/// A pool on one of the two supported backends.
#[derive(Clone, Debug)]
pub enum Database {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// `PRAGMA cache_size` of each SQLite connection: negative, in KiB.
const SQLITE_CACHE_KIB: &str = "-512";

/// How long an idle SQLite connection is kept.
const SQLITE_IDLE: Duration = Duration::from_secs(30);

impl Database {
    /// Opens the pool named by `database.url`: empty or `sqlite:` means SQLite (the file
    /// and its folder are created when missing), `postgres://` or `postgresql://` means
    /// PostgreSQL; any other scheme is refused.
    ///
    /// # Errors
    /// [`DbError::Config`] for an unsupported URL, [`DbError::Other`] when the database
    /// cannot be reached or opened.
    pub async fn connect(settings: &Settings) -> DbResult<Self> {
        let url = settings.database.url.expose().trim();
        let max = settings.database.max_connections.get();
        let acquire = settings.database.acquire_timeout.get();
        if url.is_empty() || url.starts_with("sqlite:") {
            let options = if url.is_empty() {
                let path = settings.default_sqlite_path();
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        DbError::Config(format!("cannot create {}: {e}", dir.display()))
                    })?;
                }
                SqliteConnectOptions::new().filename(path)
            } else {
                SqliteConnectOptions::from_str(url).db()?
            };
            let options = options
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // FULL: a write the API acknowledged survives a power cut, not only a crash.
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(acquire.max(Duration::from_secs(1)))
                // Each connection's own page cache, 512 KiB (SQLite's default is 2 MiB):
                // the pages it misses come from the kernel's page cache, which holds a
                // household's catalog whole, and four connections after a scan kept
                // 8 MiB of copies of it.
                .pragma("cache_size", SQLITE_CACHE_KIB);
            let pool = SqlitePoolOptions::new()
                .max_connections(max)
                .acquire_timeout(acquire)
                // A connection holds its own page cache (up to 512 KiB): those a burst or
                // a scan opened close after half a minute idle, and their memory goes back.
                .min_connections(1)
                .idle_timeout(SQLITE_IDLE)
                .connect_with(options)
                .await
                .db()?;
            Ok(Self::Sqlite(pool))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url)
                .db()?
                .application_name("homestream");
            let pool = PgPoolOptions::new()
                .max_connections(max)
                .acquire_timeout(acquire)
                .connect_with(options)
                .await
                .db()?;
            Ok(Self::Postgres(pool))
        } else {
            let scheme = url.split(':').next().unwrap_or_default();
            Err(DbError::Config(format!(
                "unsupported scheme {scheme:?}; use postgres:// or sqlite:"
            )))
        }
    }

    /// `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }

    fn migrator(&self) -> &'static Migrator {
        match self {
            Self::Sqlite(_) => &SQLITE_MIGRATIONS,
            Self::Postgres(_) => &POSTGRES_MIGRATIONS,
        }
    }

    /// Applies the migrations not yet applied. Safe to run from several instances at
    /// once: sqlx takes a lock for the duration.
    ///
    /// # Errors
    /// When a migration fails or an applied one was changed after it ran.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        with_pool!(self, pool => self.migrator().run(pool).await)
    }

    /// Whether the newest migration this binary knows has been applied.
    ///
    /// # Errors
    /// When the database cannot be queried.
    pub async fn schema_is_current(&self) -> DbResult<bool> {
        let newest = self.migrator().iter().map(|m| m.version).max().unwrap_or(0);
        let sql = "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success";
        let applied: i64 = with_pool!(self, pool => sqlx::query_scalar(sql).fetch_one(pool).await)
            .db()
            .or_else(|e| match e {
                // No migrations table yet: nothing applied. (42P01: PostgreSQL's
                // undefined table; SQLite says "no such table".)
                DbError::Other(sqlx::Error::Database(db))
                    if db.code().as_deref() == Some("42P01")
                        || db.message().contains("no such table") =>
                {
                    Ok(0)
                }
                other => Err(other),
            })?;
        Ok(applied >= newest)
    }

    /// Whether the database answers and its schema is current, as `/ready` and the
    /// metrics report it (one query, bounded by `database.acquire_timeout`).
    pub async fn health(&self) -> Health {
        match self.schema_is_current().await {
            Ok(true) => Health::Ok,
            Ok(false) => Health::Outdated,
            Err(e) => {
                tracing::warn!(error = %e, "database unreachable");
                Health::Unreachable
            }
        }
    }

    /// Connections the pool holds, and how many of them are idle.
    pub fn pool_use(&self) -> (u32, u32) {
        with_pool!(self, pool => (pool.size(), u32::try_from(pool.num_idle()).unwrap_or(u32::MAX)))
    }

    /// Refreshes the planner's statistics of the catalog, after a scan changed it (an
    /// empty library grown to 50,000 rows would otherwise be planned as empty).
    pub async fn analyze(&self) -> DbResult<()> {
        match self {
            // A sample of each index is enough for the planner (a full ANALYZE of
            // 50,000 rows took 1.5 s).
            Self::Sqlite(pool) => {
                let mut conn = pool.acquire().await.db()?;
                for sql in [
                    "PRAGMA analysis_limit = 1000",
                    "ANALYZE videos",
                    "ANALYZE series",
                    "ANALYZE search_terms",
                ] {
                    sqlx::query(sql).execute(&mut *conn).await.db()?;
                }
            }
            // VACUUM also marks the rewritten pages all-visible, which keeps the catalog's
            // index-only scans from visiting the table.
            Self::Postgres(pool) => {
                for sql in [
                    "VACUUM (ANALYZE) videos",
                    "VACUUM (ANALYZE) series",
                    "VACUUM (ANALYZE) search_terms",
                ] {
                    sqlx::query(sql).execute(pool).await.db()?;
                }
            }
        }
        Ok(())
    }

    /// Closes every connection; waits for those in use to be returned.
    pub async fn close(&self) {
        with_pool!(self, pool => pool.close().await)
    }
}

/// The database's state for readiness and the metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Health {
    #[default]
    Ok,
    /// It refuses or drops connections, or none came free in time.
    Unreachable,
    /// Migrations this binary knows are not applied.
    Outdated,
}

impl Health {
    /// Every state, in the order the metrics list them.
    pub const ALL: [Self; 3] = [Self::Ok, Self::Unreachable, Self::Outdated];

    /// The state's name (`ok`, `unreachable`, `outdated`), as `/ready` spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Unreachable => "unreachable",
            Self::Outdated => "outdated",
        }
    }
}
