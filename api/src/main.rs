//! `msp-portal`: the MSP portal API server and its administrative commands.

use std::io::Write;
use std::process::ExitCode;

use api::config::Settings;
use api::startup::{Application, open_database};
use clap::{Parser, Subcommand};
use domain::msps::MspLimits;
use persistence::database::PoolOptions;

#[derive(Parser)]
#[command(name = "msp-portal", version, about = "MSP portal API server")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Start the API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the OpenAPI document to stdout (needs no database).
    Openapi,
    /// Create the first MSP and its owner admin. The password comes from
    /// MSP_PORTAL_OWNER_PASSWORD, or is generated and printed once. The
    /// limits default to a trial (100 organizations, 100 seats, 100 global
    /// and 10 local users); a platform operator can change them later.
    Bootstrap {
        /// Name of the MSP.
        #[arg(long)]
        msp_name: String,
        /// E-mail address the owner signs in with.
        #[arg(long)]
        owner_email: String,
        /// Most customer organizations.
        #[arg(long, default_value_t = MspLimits::trial().max_organizations, value_parser = limit)]
        max_organizations: i64,
        /// Seats in the MSP's license pool.
        #[arg(long, default_value_t = MspLimits::trial().seat_pool_total, value_parser = limit)]
        seat_pool: i64,
        /// Most active accounts across all customers.
        #[arg(long, default_value_t = MspLimits::trial().max_global_users, value_parser = limit)]
        max_global_users: i64,
        /// Most active accounts in the MSP's own organization.
        #[arg(long, default_value_t = MspLimits::trial().max_local_users, value_parser = limit)]
        max_local_users: i64,
    },
    /// Create a platform operator (the vendor's console: MSPs and their
    /// limits). The password comes from MSP_PORTAL_OPERATOR_PASSWORD, or is
    /// generated and printed once.
    BootstrapOperator {
        /// E-mail address the operator signs in with.
        #[arg(long)]
        email: String,
    },
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Openapi => print_openapi(),
        Command::Serve => serve(),
        Command::Migrate => migrate(),
        Command::Bootstrap {
            msp_name,
            owner_email,
            max_organizations,
            seat_pool,
            max_global_users,
            max_local_users,
        } => {
            let limits = MspLimits {
                max_organizations,
                seat_pool_total: seat_pool,
                seat_pool_renewal_date: None,
                max_global_users,
                max_local_users,
            };
            bootstrap(&msp_name, &owner_email, &limits)
        }
        Command::BootstrapOperator { email } => bootstrap_operator(&email),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            log::error!("{message}");
            let _ = writeln!(std::io::stderr(), "error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn print_openapi() -> Result<(), String> {
    let document = api::openapi::document_json().map_err(|e| e.to_string())?;
    std::io::stdout().write_all(document.as_bytes()).map_err(|e| e.to_string())
}

fn settings() -> Result<Settings, String> {
    Settings::from_env().map_err(|e| e.to_string())
}

fn serve() -> Result<(), String> {
    let settings = settings()?;
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings).await.map_err(|e| e.to_string())?;
        log::info!("listening on http://{} (Swagger UI at /docs/)", app.local_addr());
        app.run_until_stopped().await.map_err(|e| e.to_string())?;
        log::info!("stopped");
        Ok(())
    })
}

fn open_pool() -> Result<persistence::DbPool, String> {
    let settings = settings()?;
    let options = PoolOptions { max_size: 1, ..settings.pool };
    actix_web::rt::System::new().block_on(open_database(&settings.database_url, &options)).map_err(|e| e.to_string())
}

fn migrate() -> Result<(), String> {
    // Opening the database applies pending migrations.
    open_pool().map(|_| log::info!("database is up to date"))
}

/// A limit given on the command line: a whole number the domain accepts.
fn limit(raw: &str) -> Result<i64, String> {
    let value: i64 = raw.parse().map_err(|_| format!("'{raw}' is not a whole number"))?;
    MspLimits::check_value(value).map_err(|e| e.to_string())
}

fn bootstrap(msp_name: &str, owner_email: &str, limits: &MspLimits) -> Result<(), String> {
    let pool = open_pool()?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let password = std::env::var(api::bootstrap::OWNER_PASSWORD_VARIABLE).ok().filter(|p| !p.is_empty());
    let made = api::bootstrap::bootstrap(
        &mut conn,
        msp_name,
        owner_email,
        password,
        limits,
        api::clock::Clock::system().now(),
    )
    .map_err(|e| e.to_string())?;
    let mut out = std::io::stdout().lock();
    let mut report = format!(
        "Created MSP '{}' (id {}) with {} seats, {} organizations, {} global and {} local users\n\
         Created owner admin {} (id {})\n",
        made.msp.name,
        made.msp.id,
        limits.seat_pool_total,
        limits.max_organizations,
        limits.max_global_users,
        limits.max_local_users,
        made.owner.email,
        made.owner.id
    );
    if let Some(password) = made.generated_password {
        report.push_str(&format!("Generated password (shown only now, store it safely): {password}\n"));
    }
    out.write_all(report.as_bytes()).map_err(|e| e.to_string())
}

fn bootstrap_operator(email: &str) -> Result<(), String> {
    let pool = open_pool()?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let password = std::env::var(api::bootstrap::OPERATOR_PASSWORD_VARIABLE).ok().filter(|p| !p.is_empty());
    let made = api::bootstrap::bootstrap_operator(&mut conn, email, password, api::clock::Clock::system().now())
        .map_err(|e| e.to_string())?;
    let mut report = format!("Created platform operator {} (id {})\n", made.operator.email, made.operator.id);
    if let Some(password) = made.generated_password {
        report.push_str(&format!("Generated password (shown only now, store it safely): {password}\n"));
    }
    std::io::stdout().lock().write_all(report.as_bytes()).map_err(|e| e.to_string())
}
