//! A second API server process for the end-to-end tests: the same
//! `Application` as `msp-portal serve`, configured from the environment
//! (`DATABASE_URL`, `JWT_SECRET`, `BIND_ADDR`…), which prints the address it
//! listens on as its first line of output. Tests start it next to their
//! in-process server to prove that invariants hold across processes sharing
//! one database.

use std::io::Write;
use std::process::ExitCode;

use api::config::Settings;
use api::startup::Application;

#[actix_web::main]
async fn main() -> ExitCode {
    let mut settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(error) => {
            let _ = writeln!(std::io::stderr(), "portal-node: {error}");
            return ExitCode::FAILURE;
        }
    };
    // The job runner's tests enqueue these kinds.
    settings.job_handlers = e2e_tests::probe_handlers();
    // Tests that race this process against their own clock set it ahead.
    if let Some(seconds) = std::env::var("TEST_CLOCK_OFFSET_SECONDS").ok().and_then(|s| s.parse::<i64>().ok()) {
        let clock = api::clock::Clock::adjustable();
        if clock.advance(chrono::TimeDelta::seconds(seconds)).is_err() {
            let _ = writeln!(std::io::stderr(), "portal-node: TEST_CLOCK_OFFSET_SECONDS must not be negative");
            return ExitCode::FAILURE;
        }
        settings.clock = clock;
    }
    let app = match Application::build(settings).await {
        Ok(app) => app,
        Err(error) => {
            let _ = writeln!(std::io::stderr(), "portal-node: {error}");
            return ExitCode::FAILURE;
        }
    };
    let mut stdout = std::io::stdout();
    if writeln!(stdout, "listening on http://{}", app.local_addr()).and_then(|()| stdout.flush()).is_err() {
        return ExitCode::FAILURE;
    }
    match app.run_until_stopped().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::FAILURE,
    }
}
