//! Building and running the server.

use std::net::{SocketAddr, TcpListener};

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::{Logger, from_fn};
use actix_web::{HttpServer, web};
use persistence::database::PoolOptions;
use persistence::{DatabaseUrl, DbPool, StoreError};
use rand::RngCore;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::passwords;
use crate::auth::tokens::TokenKeys;
use crate::config::Settings;
use crate::error::{ApiError, InvalidField};
use crate::json::BodyLimit;
use crate::routes::fallback;
use crate::state::AppState;
use crate::{client_address, cors, mail, no_store, openapi, request_id};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The database is unreachable or migrations failed.
    #[error("database: {0}")]
    Database(#[from] StoreError),
    /// The address could not be bound.
    #[error("cannot listen: {0}")]
    Io(#[from] std::io::Error),
    /// Something else failed while preparing.
    #[error("start-up failed: {0}")]
    Other(String),
}

/// A bound, not yet running server.
pub struct Application {
    server: Server,
    local_addr: SocketAddr,
    pool: DbPool,
    jobs: crate::jobs::JobRunner,
    job_loop: Option<tokio::task::JoinHandle<()>>,
    stop_jobs: tokio::sync::watch::Sender<bool>,
}

/// How long a stopping process waits for the jobs it is running.
const JOBS_SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(25);

impl Application {
    /// Connects to the database, applies pending migrations, and binds.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        let pool = open_database(&settings.database_url, &settings.pool).await?;
        let secret = settings.jwt_secret.clone().unwrap_or_else(|| {
            log::warn!("JWT_SECRET is not set: using a random secret; tokens will not survive a restart");
            let mut secret = vec![0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut secret);
            secret
        });
        let decoy_password_hash = web::block(passwords::decoy_hash)
            .await
            .map_err(|e| StartupError::Other(e.to_string()))?
            .map_err(|e| StartupError::Other(e.to_string()))?;
        let delivery = mail::Delivery::from_settings(settings.smtp_url.as_deref(), &settings.mail_from)
            .map_err(StartupError::Other)?;
        if matches!(delivery, mail::Delivery::Log) {
            log::warn!("SMTP_URL is not set: e-mail (invitations, password resets) is written to the log, not sent");
        }
        // Mail queued by a version before the job runner gets its job.
        let (sweep_pool, at) = (pool.clone(), settings.clock.now());
        let swept = crate::jobs::blocking(&sweep_pool, move |conn| persistence::outbox::give_jobs_to_jobless(conn, at))
            .await
            .map_err(|e| StartupError::Other(format!("giving queued mail its jobs: {e}")))?;
        if swept > 0 {
            log::info!("outbox: {swept} message(s) waiting to be sent have their jobs");
        }
        let tracking_key = crate::tracking_links::TrackingKey::derive(settings.tracking_secret.as_deref(), &secret);
        let sender = crate::services::campaign_sending::SenderSettings {
            delivery: delivery.clone(),
            tracking_key: tracking_key.clone(),
            public_url: settings.public_url.clone(),
            simulation_domain: settings.simulation_domain.clone(),
            dkim: settings
                .dkim
                .as_ref()
                .map(|key| key.config(&settings.simulation_domain).map(std::sync::Arc::new))
                .transpose()
                .map_err(StartupError::Other)?,
        };
        let state = web::Data::new(AppState {
            tracking_key,
            pool: pool.clone(),
            tokens: TokenKeys::new(&secret),
            decoy_password_hash,
            public_url: settings.public_url.clone(),
            simulation_domain: settings.simulation_domain.clone(),
            login_policy: settings.login_policy,
            delivery: delivery.clone(),
            attention_days: settings.attention_days,
            clock: settings.clock.clone(),
            trusted_proxies: settings.trusted_proxies.clone(),
            forwarding_header: settings.forwarding_header,
        });
        let cors_origins = settings.cors_allowed_origins.clone();
        let body_limit = web::Data::new(BodyLimit(settings.body_limit));
        let document = openapi::document();

        let listener = TcpListener::bind(&settings.bind_addr)?;
        let local_addr = listener.local_addr()?;
        let mut server = HttpServer::new(move || {
            actix_web::App::new()
                .app_data(state.clone())
                .app_data(body_limit.clone())
                .app_data(web::QueryConfig::default().error_handler(|error, _| {
                    ApiError::InvalidParameters(vec![InvalidField::parameter("query", error)]).into()
                }))
                .app_data(web::PathConfig::default().error_handler(|_, _| ApiError::NotFound.into()))
                .configure(|cfg| crate::routes::operations().serve(cfg))
                .configure(crate::scim::routes)
                .service(web::redirect("/docs", "/docs/"))
                .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", document.clone()))
                .default_service(web::to(fallback::route_not_found))
                .wrap(from_fn(crate::idempotency::middleware))
                .wrap(from_fn(no_store::middleware))
                .wrap(from_fn(client_address::middleware))
                .wrap(cors::middleware(&cors_origins))
                .wrap(from_fn(request_id::middleware))
                .wrap(Logger::new(r#"%a "%r" %s %b %Dms request_id=%{x-request-id}o"#))
        })
        .listen(listener)?
        .shutdown_timeout(30);
        if let Some(workers) = settings.workers {
            server = server.workers(workers);
        }
        if !settings.handle_signals {
            server = server.disable_signals();
        }
        let jobs = crate::jobs::JobRunner::new(
            pool.clone(),
            settings.clock.clone(),
            settings
                .job_handlers
                .clone()
                .with(domain::email_delivery::SEND_EMAIL_JOB, mail::send_queued(delivery.clone()))
                .with(crate::services::campaign_runs::START_JOB, crate::services::campaign_runs::start_handler())
                .with(
                    crate::services::campaign_sending::SEND_JOB,
                    crate::services::campaign_sending::send_handler(sender),
                )
                .with(
                    crate::services::campaign_sending::COMPLETE_JOB,
                    crate::services::campaign_reports::complete_handler(),
                )
                .with(crate::services::erasure::PSEUDONYMISE_JOB, crate::services::erasure::pseudonymise_handler()),
            &settings.jobs,
        );
        let (stop_jobs, stop) = tokio::sync::watch::channel(false);
        let job_loop =
            settings.jobs.enabled.then(|| tokio::spawn(jobs.clone().run_until(settings.jobs.poll_interval, stop)));
        Ok(Self { server: server.run(), local_addr, pool, jobs, job_loop, stop_jobs })
    }

    /// The address the server listens on (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// A handle to stop the server.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// The server's connection pool.
    pub fn pool(&self) -> DbPool {
        self.pool.clone()
    }

    /// This process's job runner (the tests run due jobs through it).
    pub fn jobs(&self) -> crate::jobs::JobRunner {
        self.jobs.clone()
    }

    /// Serves until stopped (SIGTERM/SIGINT, or the handle), finishing
    /// in-flight requests first.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        // Claim nothing more and let the jobs under way finish (they are
        // bounded by their run limit); one still cut off is taken over by
        // another worker when its lease lapses.
        let _ = self.stop_jobs.send(true);
        if let Some(mut job_loop) = self.job_loop
            && tokio::time::timeout(JOBS_SHUTDOWN_GRACE, &mut job_loop).await.is_err()
        {
            log::warn!("jobs still running after {JOBS_SHUTDOWN_GRACE:?} of shutdown are left to their leases");
            job_loop.abort();
        }
        served
    }
}

/// Opens the pool and applies pending migrations, off the async threads.
pub async fn open_database(url: &DatabaseUrl, options: &PoolOptions) -> Result<DbPool, StoreError> {
    let (url, options) = (url.clone(), options.clone());
    let opened = web::block(move || {
        log::info!("opening {} database at {}", url.backend_name(), url.redacted());
        let pool = persistence::database::connect(&url, &options)?;
        let mut conn = pool.get()?;
        let applied = persistence::migrations::run_pending(&mut conn)?;
        if !applied.is_empty() {
            log::info!("applied migrations: {}", applied.join(", "));
        }
        Ok::<_, StoreError>(pool)
    })
    .await;
    opened.map_err(|e| StoreError::Migration(e.to_string()))?
}
