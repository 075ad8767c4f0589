//! `BENCH_ONLY=sending`: messages per second from one and from two server
//! processes to a local SMTP sink (aiosmtpd), and tracking hits (the open
//! pixel, each a classified event with its counters) per second on both
//! backends with `/healthz` in the same run for scale.

use std::sync::Arc;
use std::time::{Duration, Instant};

use e2e_tests::{Backend, SmtpSink, TestApp, spawn_app_with};
use serde_json::{Value, json};

use crate::campaigns::{big_live_customer, roomy};
use crate::{load, print_reports, timed};

const MESSAGES: usize = 3_000;

fn offset_seconds(app: &TestApp, minutes: i64) -> String {
    ((app.now() - chrono::Utc::now()) + chrono::TimeDelta::minutes(minutes)).num_seconds().to_string()
}

/// A campaign of `MESSAGES` recipients launched to send at once; returns its path.
async fn launch_now(app: &TestApp, token: &str, customer: &str) -> String {
    let now = app.now().with_timezone(&chrono_tz::Europe::Helsinki).format("%Y-%m-%dT%H:%M").to_string();
    let body = json!({
        "name": "Sent now", "scenario_ids": ["00000000-0000-7000-8000-000000000003"],
        "schedule": { "starts_at": now, "max_per_minute": 100_000,
            "window": { "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00", "end": "23:59" } }
    });
    let created = app.post(&format!("/api/v1/customers/{customer}/campaigns"), Some(token), &body).await;
    assert_eq!(created.status(), reqwest::StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    let path = format!("/api/v1/customers/{customer}/campaigns/{}", created["id"].as_str().unwrap());
    let launched = app.post(&format!("{path}/launch"), Some(token), &json!({})).await;
    assert_eq!(launched.status(), reqwest::StatusCode::OK, "{}", launched.text().await.unwrap());
    path
}

/// Sends one campaign from `processes` portal-node processes; returns the
/// sink (with every message) and the seconds it took.
async fn send_with(app: &TestApp, processes: usize) -> (SmtpSink, f64) {
    let sink = SmtpSink::start().await;
    let tenant = roomy(app, &format!("Sending bench MSP {processes}")).await;
    let customer = big_live_customer(app, &tenant, MESSAGES).await;
    launch_now(app, &tenant.token, &customer).await;
    let node = std::env::current_exe().unwrap().with_file_name("portal-node");
    let (relay, ahead) = (sink.url(), offset_seconds(app, 3));
    let env = [
        ("SMTP_URL", relay.as_str()),
        ("JOB_CONCURRENCY", "2"),
        ("JOB_POLL_MS", "20"),
        ("TEST_CLOCK_OFFSET_SECONDS", ahead.as_str()),
    ];
    let started = Instant::now();
    let mut nodes = Vec::new();
    for _ in 0..processes {
        nodes.push(app.spawn_process_with(node.to_str().unwrap(), &env).await);
    }
    let deadline = started + Duration::from_secs(600);
    while sink.count() < MESSAGES && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let seconds = started.elapsed().as_secs_f64();
    assert!(sink.count() >= MESSAGES, "every message arrived");
    println!("  {processes} process(es): {MESSAGES} messages in {seconds:.1} s");
    drop(nodes);
    (sink, seconds)
}

/// The tracking tokens of the messages in `sink`.
fn tokens(sink: &SmtpSink) -> Vec<String> {
    sink.raw_messages()
        .iter()
        .filter_map(|m| m.lines().find_map(|l| l.strip_prefix("X-MSP-Portal-Tracking: ").map(|t| t.trim().to_owned())))
        .collect()
}

async fn sending_bench(backend: Backend, label: &str, seconds: u64, concurrency: usize) {
    let Some(app) = spawn_app_with(backend, |settings| {
        settings.workers = Some(2);
        settings.pool.max_size = 10;
    })
    .await
    else {
        println!("\n{label} sending: skipped, PostgreSQL does not answer");
        return;
    };
    let app = Arc::new(app);
    let (_, one) = send_with(&app, 1).await;
    let (sink, two) = send_with(&app, 2).await;
    println!(
        "\n{label} sending {MESSAGES} messages to a local sink (aiosmtpd): one process {one:.1} s ({:.0} messages/s), \
         two processes {two:.1} s ({:.0} messages/s)",
        MESSAGES as f64 / one,
        MESSAGES as f64 / two
    );
    let mut tokens = tokens(&sink);
    let received = tokens.len();
    tokens.sort();
    tokens.dedup();
    println!(
        "  messages received {received}, distinct recipients {} (a duplicate is a message the relay took whose answer was lost)",
        tokens.len()
    );
    let tokens = Arc::new(tokens);
    let duration = Duration::from_secs(seconds);
    let mut reports = Vec::new();
    let a = Arc::clone(&app);
    reports.push(
        load("GET /healthz", concurrency, duration, move |_| {
            timed(a.client.get(a.url("/healthz")), reqwest::StatusCode::OK)
        })
        .await,
    );
    let (a, t) = (Arc::clone(&app), Arc::clone(&tokens));
    let browser = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36";
    reports.push(
        load("GET /t/{token}/open.gif", concurrency, duration, move |n| {
            let token = &t[(n * 7919) % t.len()];
            timed(
                a.client.get(a.url(&format!("/t/{token}/open.gif"))).header("user-agent", browser),
                reqwest::StatusCode::OK,
            )
        })
        .await,
    );
    let (a, t) = (Arc::clone(&app), Arc::clone(&tokens));
    reports.push(
        load("GET /t/{token}/click", concurrency, duration, move |n| {
            let token = &t[(n * 104_729) % t.len()];
            timed(
                a.client.get(a.url(&format!("/t/{token}/click"))).header("user-agent", browser),
                reqwest::StatusCode::FOUND,
            )
        })
        .await,
    );
    print_reports(
        &format!("{label}: tracking hits over {MESSAGES} recipients (each a classified event, counters kept)"),
        &reports,
    );
}

/// The whole sending part, on both backends.
pub async fn run(seconds: u64, concurrency: usize) {
    sending_bench(Backend::Sqlite, "SQLite", seconds, concurrency).await;
    sending_bench(Backend::Postgres, "PostgreSQL", seconds, concurrency).await;
}
