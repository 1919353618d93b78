//! The database layer: which backend a `DATABASE_URL` names, the connection pool over both
//! backends, per-connection SQLite settings, embedded migrations, and the write transaction.
//!
//! One binary serves SQLite (the embedded default) and PostgreSQL. Queries are written once
//! against [`DbConn`]; the few places that need backend-specific SQL match on its variants.

pub mod budget;
pub mod schema;
pub mod text;

use std::path::{Path, PathBuf};
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Any key will do as long as every instance uses the same one: it serialises migrations
/// when several app instances start against one PostgreSQL at once.
const MIGRATION_LOCK_KEY: i64 = 0x4348_524f_4e49_434c;

/// A connection to either backend.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

pub type Pool = r2d2::Pool<DbManager>;
pub type PooledConn = r2d2::PooledConnection<DbManager>;

/// Which database a URL names. Only explicit schemes are accepted, so a typo never
/// silently creates a new SQLite file somewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    Sqlite { path: PathBuf },
    Postgres { url: String },
}

#[derive(Debug, thiserror::Error)]
pub enum DbSetupError {
    #[error(
        "DATABASE_URL must start with sqlite:// or postgres:// (got {0:?}); for example sqlite://./data/chronicle.db"
    )]
    UnknownScheme(String),
    #[error("cannot create the folder {path} for the SQLite database: {source}")]
    CreateDir {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot connect to the database at {url}: {message}")]
    Connect { url: String, message: String },
    #[error("database migrations failed: {0}")]
    Migrations(String),
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Self, DbSetupError> {
        let url = url.trim();
        if let Some(rest) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            if rest.is_empty() {
                return Err(DbSetupError::UnknownScheme(url.to_owned()));
            }
            return Ok(Backend::Sqlite {
                path: PathBuf::from(rest),
            });
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Backend::Postgres {
                url: url.to_owned(),
            });
        }
        Err(DbSetupError::UnknownScheme(url.to_owned()))
    }

    pub fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite { .. } => "SQLite",
            Backend::Postgres { .. } => "PostgreSQL",
        }
    }

    /// The URL with any password replaced, for messages and logs.
    pub fn display_url(&self) -> String {
        match self {
            Backend::Sqlite { path } => format!("sqlite://{}", path.display()),
            Backend::Postgres { url } => match url::Url::parse(url) {
                Ok(mut parsed) if parsed.password().is_some() => {
                    let _ = parsed.set_password(Some("***"));
                    parsed.to_string()
                }
                _ => url.clone(),
            },
        }
    }
}

/// r2d2 connection manager that picks the backend from the URL scheme (Diesel's own
/// `MultiConnection::establish` tries variants in order, and SQLite accepts any string).
#[derive(Debug, Clone)]
pub struct DbManager {
    backend: Backend,
}

impl DbManager {
    pub fn new(backend: Backend) -> Self {
        DbManager { backend }
    }
}

fn sqlite_path_str(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

impl ManageConnection for DbManager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        match &self.backend {
            Backend::Sqlite { path } => {
                // Before the first connection opens: every connection gets the handler.
                budget::install_sqlite_handler();
                let mut conn = SqliteConnection::establish(&sqlite_path_str(path))
                    .map_err(r2d2::Error::ConnectionError)?;
                // busy_timeout first: the others may already need to wait for a lock.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 5000;
                     PRAGMA journal_mode = WAL;
                     PRAGMA synchronous = NORMAL;
                     PRAGMA foreign_keys = ON;",
                )
                .map_err(r2d2::Error::QueryError)?;
                Ok(DbConn::Sqlite(conn))
            }
            Backend::Postgres { url } => {
                let conn = PgConnection::establish(url).map_err(r2d2::Error::ConnectionError)?;
                Ok(DbConn::Pg(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.ping().map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        std::thread::panicking() || conn.is_broken()
    }
}

/// Builds the pool and checks that the database answers. A database that cannot be
/// reached is an error here, so `serve` can stop with one clear line.
pub fn connect(url: &str, size: u32, timeout: Duration) -> Result<Pool, DbSetupError> {
    let backend = Backend::from_url(url)?;
    if let Backend::Sqlite { path } = &backend
        && let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).map_err(|source| DbSetupError::CreateDir {
            path: dir.display().to_string(),
            source,
        })?;
    }
    let display = backend.display_url();
    let manager = DbManager::new(backend);
    // Connect once by hand first: r2d2 would only report a timeout, this reports why.
    manager.connect().map_err(|e| DbSetupError::Connect {
        url: display.clone(),
        message: e.to_string(),
    })?;
    r2d2::Pool::builder()
        .max_size(size.max(1))
        .min_idle(Some(1))
        .connection_timeout(timeout)
        .build(manager)
        .map_err(|e| DbSetupError::Connect {
            url: display,
            message: e.to_string(),
        })
}

/// A pool that does not connect until asked: for tests of a database that is down.
pub fn lazy_pool(url: &str, timeout: Duration) -> Result<Pool, DbSetupError> {
    let backend = Backend::from_url(url)?;
    Ok(r2d2::Pool::builder()
        .max_size(2)
        .min_idle(Some(0))
        .connection_timeout(timeout)
        .build_unchecked(DbManager::new(backend)))
}

/// Applies the embedded migrations of the connection's backend; returns the versions applied.
pub fn run_migrations(conn: &mut DbConn) -> Result<Vec<String>, DbSetupError> {
    let err = |e: Box<dyn std::error::Error + Send + Sync>| DbSetupError::Migrations(e.to_string());
    let names = |v: Vec<diesel::migration::MigrationVersion<'_>>| {
        v.iter().map(|m| m.to_string()).collect::<Vec<_>>()
    };
    let applied = match conn {
        DbConn::Sqlite(c) => names(c.run_pending_migrations(SQLITE_MIGRATIONS).map_err(err)?),
        DbConn::Pg(c) => {
            let lock = format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})");
            c.batch_execute(&lock)
                .map_err(|e| DbSetupError::Migrations(e.to_string()))?;
            let result = c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(names)
                .map_err(err);
            let unlock = format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})");
            c.batch_execute(&unlock)
                .map_err(|e| DbSetupError::Migrations(e.to_string()))?;
            result?
        }
    };
    Ok(applied)
}

/// Runs `f` in a transaction that takes the write lock up front on SQLite (`BEGIN
/// IMMEDIATE`). A deferred transaction that reads and then writes can fail at once with
/// SQLITE_BUSY when another writer commits in between; an immediate one waits its turn.
pub fn write_tx<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
        DbConn::Pg(_) => <DbConn as Connection>::TransactionManager::begin_transaction(conn)?,
    }
    match f(conn) {
        Ok(value) => {
            <DbConn as Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => {
            <DbConn as Connection>::TransactionManager::rollback_transaction(conn)?;
            Err(e)
        }
    }
}

/// The backend of a live connection.
pub fn is_sqlite(conn: &DbConn) -> bool {
    matches!(conn, DbConn::Sqlite(_))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_pick_the_backend_by_scheme() {
        assert_eq!(
            Backend::from_url("sqlite://./data/x.db").ok(),
            Some(Backend::Sqlite {
                path: PathBuf::from("./data/x.db")
            })
        );
        assert_eq!(
            Backend::from_url("sqlite:///var/lib/c.db").ok(),
            Some(Backend::Sqlite {
                path: PathBuf::from("/var/lib/c.db")
            })
        );
        assert!(matches!(
            Backend::from_url("postgresql://u@h/db"),
            Ok(Backend::Postgres { .. })
        ));
        assert!(matches!(
            Backend::from_url("mysql://x"),
            Err(DbSetupError::UnknownScheme(_))
        ));
        assert!(matches!(
            Backend::from_url("./data/chronicle.db"),
            Err(DbSetupError::UnknownScheme(_))
        ));
        assert!(matches!(
            Backend::from_url("sqlite://"),
            Err(DbSetupError::UnknownScheme(_))
        ));
    }

    #[test]
    fn passwords_are_hidden_in_messages() {
        let b = Backend::from_url("postgres://app:secret@db.example/cms").unwrap();
        assert!(!b.display_url().contains("secret"));
    }
}
