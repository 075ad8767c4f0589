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
    /// `SMTP_URL`: the relay for outgoing e-mail; `None` writes e-mail to the log.
    pub smtp_url: Option<String>,
    /// `MAIL_FROM`: the sender of outgoing e-mail.
    pub mail_from: String,
    /// `PUBLIC_URL`: where the portal's pages live; e-mailed links start with it.
    pub public_url: String,
    /// `SIMULATION_DOMAIN`: the domain simulated phishing mail is sent from
    /// (default [`DEFAULT_SIMULATION_DOMAIN`]).
    pub simulation_domain: String,
    /// The key of tracking links (`TRACKING_SECRET`); derived from the
    /// token secret when unset.
    pub tracking_secret: Option<Vec<u8>>,
    /// DKIM signing of simulations (`DKIM_PRIVATE_KEY_FILE`, `DKIM_SELECTOR`); unsigned when unset.
    pub dkim: Option<crate::simulation_mail::DkimKey>,
    /// `ONBOARDING_ATTENTION_DAYS`: days in onboarding after which a customer
    /// is on the setup-incomplete list (default 7).
    pub attention_days: i64,
    /// Sign-in protection thresholds (not configurable by environment; tests lower them).
    pub login_policy: domain::login_protection::LoginPolicy,
    /// Stop gracefully on SIGTERM/SIGINT. Off in tests, where many servers
    /// share one process.
    pub handle_signals: bool,
    /// The time: the system clock, or in tests one they move forward.
    pub clock: crate::clock::Clock,
    /// `CORS_ALLOWED_ORIGINS`: the browser origins (`https://portal.example`)
    /// whose pages may call the API; none by default.
    pub cors_allowed_origins: Vec<crate::cors::AllowedOrigin>,
    /// `TRUSTED_PROXIES`: the proxies whose `Forwarded` / `X-Forwarded-For`
    /// name the client; none by default (the peer is the client).
    pub trusted_proxies: domain::client_address::TrustedProxies,
    /// `TRUSTED_PROXY_HEADER`: the header those proxies write
    /// (`x-forwarded-for`, the default, or `forwarded`); no other is read.
    pub forwarding_header: domain::client_address::ForwardingHeader,
    /// `JOBS_ENABLED` (default true), `JOB_CONCURRENCY` (4), `JOB_POLL_MS`
    /// (1000): how this process runs background jobs.
    pub jobs: crate::jobs::RunnerOptions,
    /// The handlers of background jobs, by kind.
    pub job_handlers: crate::jobs::Handlers,
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
    /// `TRACKING_SECRET` is too short to be safe.
    #[error("TRACKING_SECRET must be at least {MIN_SECRET_BYTES} bytes long")]
    ShortTrackingSecret,
    /// The DKIM key cannot be read or used.
    #[error("DKIM_PRIVATE_KEY_FILE: {0}")]
    Dkim(String),
    /// A numeric variable is not a positive number.
    #[error("{0} must be a positive integer")]
    NotANumber(&'static str),
    /// `CORS_ALLOWED_ORIGINS` names something that is not an origin.
    #[error("CORS_ALLOWED_ORIGINS: {0}")]
    Origin(#[from] crate::cors::InvalidOrigin),
    /// `TRUSTED_PROXIES` names something that is not an address or range.
    #[error("TRUSTED_PROXIES: {0}")]
    Proxy(#[from] domain::client_address::InvalidProxy),
    /// `TRUSTED_PROXY_HEADER` names another header.
    #[error("TRUSTED_PROXY_HEADER: {0}")]
    ForwardingHeader(#[from] domain::client_address::InvalidForwardingHeader),
}

/// Shortest `JWT_SECRET` accepted: 256 bits, the HS256 key size.
pub const MIN_SECRET_BYTES: usize = 32;

/// The sender of e-mail when `MAIL_FROM` is unset.
pub const DEFAULT_MAIL_FROM: &str = "MSP Portal <no-reply@msp-portal.invalid>";

/// The simulation domain when `SIMULATION_DOMAIN` is unset.
pub const DEFAULT_SIMULATION_DOMAIN: &str = "simulations.msp-portal.example";

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
        let bind_addr = var("BIND_ADDR").unwrap_or_else(|| DEFAULT_BIND_ADDR.to_owned());
        Ok(Self {
            database_url,
            smtp_url: var("SMTP_URL"),
            mail_from: var("MAIL_FROM").unwrap_or_else(|| DEFAULT_MAIL_FROM.to_owned()),
            public_url: var("PUBLIC_URL").unwrap_or_else(|| format!("http://{bind_addr}")),
            simulation_domain: var("SIMULATION_DOMAIN")
                .map(|d| d.trim().to_ascii_lowercase())
                .unwrap_or_else(|| DEFAULT_SIMULATION_DOMAIN.to_owned()),
            tracking_secret: match var("TRACKING_SECRET") {
                Some(secret) if secret.len() < MIN_SECRET_BYTES => return Err(ConfigError::ShortTrackingSecret),
                other => other.map(String::into_bytes),
            },
            dkim: var("DKIM_PRIVATE_KEY_FILE")
                .map(|path| {
                    let pem =
                        std::fs::read_to_string(path.trim()).map_err(|e| ConfigError::Dkim(format!("{path}: {e}")))?;
                    let selector = var("DKIM_SELECTOR").unwrap_or_else(|| "simulation".to_owned());
                    crate::simulation_mail::DkimKey::from_pem(&selector, &pem).map_err(ConfigError::Dkim)
                })
                .transpose()?,
            login_policy: domain::login_protection::LoginPolicy::default(),
            clock: crate::clock::Clock::system(),
            cors_allowed_origins: crate::cors::AllowedOrigin::parse_list(
                &var("CORS_ALLOWED_ORIGINS").unwrap_or_default(),
            )?,
            trusted_proxies: domain::client_address::TrustedProxies::parse(
                &var("TRUSTED_PROXIES").unwrap_or_default(),
            )?,
            forwarding_header: var("TRUSTED_PROXY_HEADER")
                .map(|name| domain::client_address::ForwardingHeader::parse(&name))
                .transpose()?
                .unwrap_or_default(),
            jobs: crate::jobs::RunnerOptions {
                enabled: !matches!(var("JOBS_ENABLED").as_deref().map(str::trim), Some("false" | "0" | "off" | "no")),
                concurrency: number("JOB_CONCURRENCY")?.unwrap_or(4),
                poll_interval: std::time::Duration::from_millis(
                    u64::try_from(number("JOB_POLL_MS")?.unwrap_or(1000)).unwrap_or(1000),
                ),
                ..crate::jobs::RunnerOptions::default()
            },
            job_handlers: crate::jobs::Handlers::default(),
            attention_days: number("ONBOARDING_ATTENTION_DAYS")?
                .and_then(|days| i64::try_from(days).ok())
                .unwrap_or(domain::onboarding::DEFAULT_ATTENTION_DAYS)
                .min(domain::onboarding::MAX_ATTENTION_DAYS),
            bind_addr,
            jwt_secret,
            body_limit: number("BODY_LIMIT_BYTES")?.unwrap_or(DEFAULT_BODY_LIMIT),
            pool,
            workers: number("HTTP_WORKERS")?,
            handle_signals: true,
        })
    }
}
