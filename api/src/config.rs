//! Settings from environment variables (documented in the README).

use std::env;

use persistence::DatabaseUrl;
use persistence::database::PoolOptions;

use crate::json::DEFAULT_BODY_LIMIT;

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `DATABASE_URL`.
    pub database_url: DatabaseUrl,
    /// `BIND_ADDR`, `host:port`; port 0 picks a free port.
    pub bind_addr: String,
    /// `JWT_SECRET`; `None` means a random secret for this process only.
    pub jwt_secret: Option<Vec<u8>>,
    /// `BODY_LIMIT_BYTES`: largest request body.
    pub body_limit: usize,
    /// `DATABASE_POOL_SIZE` and connection timeout.
    pub pool: PoolOptions,
    /// `HTTP_WORKERS`; `None` means one per core.
    pub workers: Option<usize>,
    /// Stop gracefully on SIGTERM/SIGINT. Off in tests, where many servers
    /// share one process.
    pub handle_signals: bool,
}

/// A setting that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `DATABASE_URL` is unusable.
    #[error("DATABASE_URL: {0}")]
    Database(#[from] persistence::StoreError),
    /// `JWT_SECRET` is too short to be safe.
    #[error("JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes long")]
    ShortSecret,
    /// A numeric variable is not a positive number.
    #[error("{0} must be a positive integer")]
    NotANumber(&'static str),
}

/// Shortest `JWT_SECRET` accepted: 256 bits, the HS256 key size.
pub const MIN_SECRET_BYTES: usize = 32;

/// The listen address when `BIND_ADDR` is unset.
pub const DEFAULT_BIND_ADDR: &str = "127.0.0.1:8080";

impl Settings {
    /// Reads the environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        let var = |name: &str| env::var(name).ok().filter(|v| !v.trim().is_empty());
        let database_url = DatabaseUrl::parse(var("DATABASE_URL").as_deref())?;
        let jwt_secret = match var("JWT_SECRET") {
            Some(secret) if secret.len() < MIN_SECRET_BYTES => return Err(ConfigError::ShortSecret),
            other => other.map(String::into_bytes),
        };
        let number = |name: &'static str| -> Result<Option<usize>, ConfigError> {
            var(name)
                .map(|v| v.trim().parse::<usize>().ok().filter(|n| *n > 0).ok_or(ConfigError::NotANumber(name)))
                .transpose()
        };
        let mut pool = PoolOptions::default();
        if let Some(size) = number("DATABASE_POOL_SIZE")? {
            pool.max_size = u32::try_from(size).map_err(|_| ConfigError::NotANumber("DATABASE_POOL_SIZE"))?;
        }
        Ok(Self {
            database_url,
            bind_addr: var("BIND_ADDR").unwrap_or_else(|| DEFAULT_BIND_ADDR.to_owned()),
            jwt_secret,
            body_limit: number("BODY_LIMIT_BYTES")?.unwrap_or(DEFAULT_BODY_LIMIT),
            pool,
            workers: number("HTTP_WORKERS")?,
            handle_signals: true,
        })
    }
}
