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
use crate::routes::{
    account_import, accounts, admins, api_keys, audit_events, auth, customer_export, customer_groups,
    customer_sessions, customers, fallback, health, licenses, maa, me, onboarding, passwords as password_links,
    platform, provisioning, tiers,
};
use crate::state::AppState;
use crate::{mail, openapi, request_id};

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
    sender: tokio::task::JoinHandle<()>,
}

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
        let sender = tokio::spawn(mail::run_sender(pool.clone(), delivery.clone(), settings.outbox_poll_interval));
        let state = web::Data::new(AppState {
            pool: pool.clone(),
            tokens: TokenKeys::new(&secret),
            decoy_password_hash,
            public_url: settings.public_url.clone(),
            login_policy: settings.login_policy,
            delivery: delivery.clone(),
            attention_days: settings.attention_days,
        });
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
                .configure(routes)
                .configure(crate::scim::routes)
                .service(web::redirect("/docs", "/docs/"))
                .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", document.clone()))
                .default_service(web::to(fallback::route_not_found))
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
        Ok(Self { server: server.run(), local_addr, pool, sender })
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

    /// Serves until stopped (SIGTERM/SIGINT, or the handle), finishing
    /// in-flight requests first.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        // Mail still queued is sent by the next start (or another node).
        self.sender.abort();
        served
    }
}

/// Every route of the API.
fn routes(cfg: &mut web::ServiceConfig) {
    use fallback::resource;
    cfg.service(resource("/healthz", "GET").route(web::get().to(health::healthz)))
        .service(resource("/readyz", "GET").route(web::get().to(health::readyz)))
        .service(
            web::scope("/api/v1")
                .service(resource("/auth/login", "POST").route(web::post().to(auth::login)))
                .service(resource("/auth/refresh", "POST").route(web::post().to(auth::refresh)))
                .service(resource("/auth/logout", "POST").route(web::post().to(auth::logout)))
                .service(resource("/auth/set-password", "POST").route(web::post().to(password_links::set_password)))
                .service(
                    resource("/auth/forgot-password", "POST").route(web::post().to(password_links::forgot_password)),
                )
                .service(resource("/me", "GET").route(web::get().to(me::get_me)))
                .service(
                    resource("/customers", "GET, POST")
                        .route(web::get().to(customers::list_customers))
                        .route(web::post().to(customers::create_customer)),
                )
                .service(resource("/customers/export", "GET").route(web::get().to(customer_export::export_customers)))
                .service(
                    resource("/customers/{id}", "GET, PATCH, DELETE")
                        .route(web::get().to(customers::get_customer))
                        .route(web::patch().to(customers::update_customer))
                        .route(web::delete().to(customers::delete_customer)),
                )
                .service(
                    resource("/customers/{id}/sessions", "POST")
                        .route(web::post().to(customer_sessions::start_customer_session)),
                )
                .service(
                    resource("/customers/{id}/groups", "GET")
                        .route(web::get().to(customer_groups::list_groups_of_customer)),
                )
                .service(
                    resource("/customers/{id}/accounts", "GET, POST")
                        .route(web::get().to(accounts::list_accounts))
                        .route(web::post().to(accounts::create_account)),
                )
                .service(
                    resource("/customers/{id}/accounts/import", "POST")
                        .route(web::post().to(account_import::import_accounts)),
                )
                .service(
                    resource("/customers/{id}/accounts/{account_id}", "GET, PATCH, DELETE")
                        .route(web::get().to(accounts::get_account))
                        .route(web::patch().to(accounts::update_account))
                        .route(web::delete().to(accounts::delete_account)),
                )
                .service(
                    resource("/customers/{id}/accounts/{account_id}/activate", "POST")
                        .route(web::post().to(accounts::activate_account)),
                )
                .service(
                    resource("/customers/{id}/accounts/{account_id}/deactivate", "POST")
                        .route(web::post().to(accounts::deactivate_account)),
                )
                .service(
                    resource("/customers/{id}/accounts/{account_id}/status-history", "GET")
                        .route(web::get().to(accounts::list_account_status_history)),
                )
                .service(
                    resource("/customers/{id}/scim-token", "POST")
                        .route(web::post().to(provisioning::create_scim_token)),
                )
                .service(
                    resource("/customers/{id}/provisioning", "GET")
                        .route(web::get().to(provisioning::get_provisioning)),
                )
                .service(
                    resource("/customers/{customer_id}/onboarding", "GET")
                        .route(web::get().to(onboarding::get_onboarding)),
                )
                .service(
                    resource("/customers/{customer_id}/onboarding/steps/{step}", "PUT")
                        .route(web::put().to(onboarding::save_step)),
                )
                .service(
                    resource("/customers/{customer_id}/onboarding/readiness", "GET")
                        .route(web::get().to(onboarding::get_readiness)),
                )
                .service(
                    resource("/customers/{customer_id}/onboarding/go-live", "POST")
                        .route(web::post().to(onboarding::go_live)),
                )
                .service(
                    resource("/customers/{customer_id}/onboarding/delivery-tests", "GET, POST")
                        .route(web::get().to(onboarding::list_delivery_tests))
                        .route(web::post().to(onboarding::create_delivery_test)),
                )
                .service(
                    resource("/customers/{customer_id}/onboarding/delivery-tests/{test_id}", "GET")
                        .route(web::get().to(onboarding::get_delivery_test)),
                )
                .service(
                    resource("/customers/{customer_id}/onboarding/branding/logo", "GET, PUT")
                        .route(web::get().to(onboarding::get_logo))
                        .route(web::put().to(onboarding::put_logo)),
                )
                .service(
                    resource("/delivery-tests/confirm", "GET").route(web::get().to(onboarding::confirm_delivery_test)),
                )
                .service(
                    resource("/onboarding/setup-incomplete", "GET")
                        .route(web::get().to(onboarding::list_setup_incomplete)),
                )
                .service(resource("/skus", "GET").route(web::get().to(maa::list_skus)))
                .service(resource("/maa/summary", "GET").route(web::get().to(maa::get_maa_summary)))
                .service(resource("/maa/history", "GET").route(web::get().to(maa::get_maa_history)))
                .service(resource("/maa/history/customers", "GET").route(web::get().to(maa::list_customer_maa)))
                .service(resource("/maa/allowance", "GET").route(web::get().to(maa::get_maa_allowance)))
                .service(
                    resource("/maa/orders", "GET, POST")
                        .route(web::get().to(maa::list_allowance_orders))
                        .route(web::post().to(maa::create_allowance_order)),
                )
                .service(resource("/tiers", "GET").route(web::get().to(tiers::list_tiers)))
                .service(
                    resource("/customer-groups", "GET, POST")
                        .route(web::get().to(customer_groups::list_customer_groups))
                        .route(web::post().to(customer_groups::create_customer_group)),
                )
                .service(
                    resource("/customer-groups/{id}", "GET, PATCH, DELETE")
                        .route(web::get().to(customer_groups::get_customer_group))
                        .route(web::patch().to(customer_groups::update_customer_group))
                        .route(web::delete().to(customer_groups::delete_customer_group)),
                )
                .service(
                    resource("/customer-groups/{id}/customers", "GET")
                        .route(web::get().to(customer_groups::list_group_customers)),
                )
                .service(
                    resource("/customer-groups/{id}/customers/{customer_id}", "PUT, DELETE")
                        .route(web::put().to(customer_groups::add_group_customer))
                        .route(web::delete().to(customer_groups::remove_group_customer)),
                )
                .service(
                    resource("/license/pool", "GET, PATCH")
                        .route(web::get().to(licenses::get_seat_pool))
                        .route(web::patch().to(licenses::update_seat_pool)),
                )
                .service(
                    resource("/license/pool/expansion-requests", "GET, POST")
                        .route(web::get().to(licenses::list_seat_expansion_requests))
                        .route(web::post().to(licenses::create_seat_expansion_request)),
                )
                .service(resource("/license/allocations", "GET").route(web::get().to(licenses::list_seat_allocations)))
                .service(resource("/licenses/expiring", "GET").route(web::get().to(licenses::list_expiring_licenses)))
                .service(
                    resource("/platform/seat-expansion-requests", "GET")
                        .route(web::get().to(licenses::list_all_seat_expansion_requests)),
                )
                .service(
                    resource("/platform/seat-expansion-requests/{id}/approve", "POST")
                        .route(web::post().to(licenses::approve_seat_expansion_request)),
                )
                .service(
                    resource("/platform/seat-expansion-requests/{id}/reject", "POST")
                        .route(web::post().to(licenses::reject_seat_expansion_request)),
                )
                .service(
                    resource("/admins", "GET, POST")
                        .route(web::get().to(admins::list_admins))
                        .route(web::post().to(admins::create_admin)),
                )
                .service(
                    resource("/admins/{id}", "GET, PATCH, DELETE")
                        .route(web::get().to(admins::get_admin))
                        .route(web::patch().to(admins::update_admin))
                        .route(web::delete().to(admins::delete_admin)),
                )
                .service(
                    resource("/api-keys", "GET, POST")
                        .route(web::get().to(api_keys::list_api_keys))
                        .route(web::post().to(api_keys::create_api_key)),
                )
                .service(
                    resource("/api-keys/{id}", "GET, DELETE")
                        .route(web::get().to(api_keys::get_api_key))
                        .route(web::delete().to(api_keys::revoke_api_key)),
                )
                .service(resource("/audit-events", "GET").route(web::get().to(audit_events::list_audit_events)))
                .service(resource("/platform/auth/login", "POST").route(web::post().to(platform::operator_login)))
                .service(
                    resource("/platform/msps", "GET, POST")
                        .route(web::get().to(platform::list_msps))
                        .route(web::post().to(platform::create_msp)),
                )
                .service(
                    resource("/platform/msps/{id}", "GET, PATCH")
                        .route(web::get().to(platform::get_msp))
                        .route(web::patch().to(platform::update_msp)),
                ),
        );
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
