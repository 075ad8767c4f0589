//! Connections and pools for both backends.

use std::path::{Path, PathBuf};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::R2D2Connection;
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, ConnectionError};

use crate::StoreError;

/// Diesel's error type, for callers that wrap it in their own errors.
pub use diesel::result::Error as DieselError;

/// One connection to either backend. Queries are written once against this
/// type and run on both.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    /// PostgreSQL, for production.
    Pg(PgConnection),
    /// An embedded SQLite file, for development and small installations.
    Sqlite(SqliteConnection),
}

/// A pool of [`DbConnection`]s.
pub type DbPool = r2d2::Pool<ConnectionManager>;

/// Where the data lives, decided once from `DATABASE_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A `postgres://` or `postgresql://` URL.
    Postgres(String),
    /// A SQLite file path.
    Sqlite(PathBuf),
}

impl DatabaseUrl {
    /// The SQLite file used when no `DATABASE_URL` is set.
    pub const DEFAULT_SQLITE_PATH: &'static str = "./data/msp-portal.db";

    /// Reads a `DATABASE_URL` value: unset or empty means the default SQLite
    /// file; `postgres://…` selects PostgreSQL; `sqlite://PATH`, `sqlite:PATH`
    /// or a plain path select SQLite. Other schemes are refused rather than
    /// mistaken for a file name.
    pub fn parse(raw: Option<&str>) -> Result<Self, StoreError> {
        let raw = raw.map(str::trim).unwrap_or_default();
        if raw.is_empty() {
            return Ok(Self::Sqlite(PathBuf::from(Self::DEFAULT_SQLITE_PATH)));
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            return Ok(Self::Postgres(raw.to_owned()));
        }
        if let Some(path) = raw.strip_prefix("sqlite://").or_else(|| raw.strip_prefix("sqlite:")) {
            if path.is_empty() {
                return Err(StoreError::Config("sqlite URL without a file path".into()));
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if let Some((scheme, _)) = raw.split_once("://") {
            return Err(StoreError::Config(format!(
                "unsupported database scheme '{scheme}': use postgres:// or a SQLite file path"
            )));
        }
        Ok(Self::Sqlite(PathBuf::from(raw)))
    }

    /// A form safe for logs: the password of a PostgreSQL URL is masked.
    pub fn redacted(&self) -> String {
        match self {
            Self::Sqlite(path) => format!("sqlite:{}", path.display()),
            Self::Postgres(url) => redact_password(url),
        }
    }

    /// Which backend this is, for logs and errors.
    pub fn backend_name(&self) -> &'static str {
        match self {
            Self::Postgres(_) => "postgresql",
            Self::Sqlite(_) => "sqlite",
        }
    }
}

fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let Some((userinfo, host)) = rest.split_once('@') else { return url.to_owned() };
    match userinfo.split_once(':') {
        Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

/// Opens connections of the backend named by the [`DatabaseUrl`] and sets up
/// each new SQLite connection.
#[derive(Debug)]
pub struct ConnectionManager {
    url: DatabaseUrl,
}

/// SQLite settings applied to every connection: wait up to 5 s for a lock
/// instead of failing with "database is locked", write-ahead logging so
/// readers never block the writer, and foreign keys enforced (SQLite leaves
/// them off by default).
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 5000;
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
PRAGMA foreign_keys = ON;";

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConnection, Self::Error> {
        match &self.url {
            DatabaseUrl::Postgres(url) => {
                PgConnection::establish(url).map(DbConnection::Pg).map_err(diesel::r2d2::Error::ConnectionError)
            }
            DatabaseUrl::Sqlite(path) => {
                let path = path.to_str().ok_or_else(|| {
                    diesel::r2d2::Error::ConnectionError(ConnectionError::InvalidConnectionUrl(
                        "SQLite path is not UTF-8".into(),
                    ))
                })?;
                let mut conn = SqliteConnection::establish(path).map_err(diesel::r2d2::Error::ConnectionError)?;
                conn.batch_execute(SQLITE_PRAGMAS).map_err(diesel::r2d2::Error::QueryError)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), Self::Error> {
        conn.ping().map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        conn.is_broken()
    }
}

/// Pool settings.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    /// Most connections open at once.
    pub max_size: u32,
    /// How long a request waits for a free connection before it is answered
    /// 503; also how long start-up waits for the database.
    pub connection_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self { max_size: 10, connection_timeout: Duration::from_secs(5) }
    }
}

/// Builds a pool; for SQLite, creates the file's folder first. Fails when no
/// connection can be made within the timeout.
pub fn connect(url: &DatabaseUrl, options: &PoolOptions) -> Result<DbPool, StoreError> {
    if let DatabaseUrl::Sqlite(path) = url {
        create_parent_dir(path)?;
    }
    r2d2::Pool::builder()
        .max_size(options.max_size)
        .min_idle(Some(1))
        .connection_timeout(options.connection_timeout)
        .test_on_check_out(false)
        .build(ConnectionManager { url: url.clone() })
        .map_err(StoreError::Unavailable)
}

fn create_parent_dir(path: &Path) -> Result<(), StoreError> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Config(format!("cannot create {}: {e}", dir.display()))),
        _ => Ok(()),
    }
}

/// Checks that the database answers a trivial query.
pub fn ping(conn: &mut DbConnection) -> Result<(), StoreError> {
    conn.batch_execute("SELECT 1").map_err(StoreError::from)
}

/// Runs one diesel statement on whichever backend `conn` is, for statements
/// the multi-backend connection cannot express (batch inserts, upserts): the
/// statement is type-checked once per backend.
macro_rules! per_backend {
    ($conn:expr, |$backend:ident| $statement:expr) => {
        match $conn {
            $crate::DbConnection::Pg($backend) => $statement,
            $crate::DbConnection::Sqlite($backend) => $statement,
        }
    };
}

pub(crate) use per_backend;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_select_the_backend() {
        assert_eq!(DatabaseUrl::parse(None).ok(), Some(DatabaseUrl::Sqlite(PathBuf::from("./data/msp-portal.db"))));
        assert_eq!(
            DatabaseUrl::parse(Some("postgres://u@h/db")).ok(),
            Some(DatabaseUrl::Postgres("postgres://u@h/db".into()))
        );
        assert_eq!(
            DatabaseUrl::parse(Some("sqlite:///tmp/x.db")).ok(),
            Some(DatabaseUrl::Sqlite(PathBuf::from("/tmp/x.db")))
        );
        assert_eq!(DatabaseUrl::parse(Some("data/x.db")).ok(), Some(DatabaseUrl::Sqlite(PathBuf::from("data/x.db"))));
        assert!(DatabaseUrl::parse(Some("mysql://h/db")).is_err());
    }

    #[test]
    fn passwords_are_masked_in_logs() {
        let url = DatabaseUrl::Postgres("postgres://app:s3cret@db:5432/portal".into());
        assert_eq!(url.redacted(), "postgres://app:***@db:5432/portal");
    }
}
