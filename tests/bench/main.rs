//! `make bench`: throughput and latency of the main routes, on SQLite and
//! PostgreSQL, against a real server (release build, 2 HTTP workers) over a
//! fresh database seeded with one MSP and 10,000 customers (a tenth of them
//! in the Healthcare sector, seats 0-19).
//!
//! Settings: `BENCH_SECONDS` (per scenario, default 5), `BENCH_CONCURRENCY`
//! (client tasks, default 32). Traffic goes to 127.0.0.1 only, and every
//! scenario stops after its duration.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stdout)]

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use e2e_tests::{Backend, PASSWORD, Tenant, TestApp, spawn_app_with};
use serde_json::json;

const SEEDED_CUSTOMERS: usize = 10_000;

/// One measured request.
struct Sample {
    latency: Duration,
    bytes: usize,
    success: bool,
}

/// What a scenario measured.
struct Report {
    name: &'static str,
    concurrency: usize,
    elapsed: Duration,
    samples: Vec<Sample>,
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).filter(|n| *n > 0).unwrap_or(default)
}

async fn timed(request: reqwest::RequestBuilder, expected: reqwest::StatusCode) -> Sample {
    let started = Instant::now();
    match request.send().await {
        Ok(response) => {
            let success = response.status() == expected;
            let bytes = response.bytes().await.map(|b| b.len()).unwrap_or(0);
            Sample { latency: started.elapsed(), bytes, success }
        }
        Err(_) => Sample { latency: started.elapsed(), bytes: 0, success: false },
    }
}

/// Runs `request(n)` from `concurrency` tasks until `duration` has passed.
async fn load<F, Fut>(name: &'static str, concurrency: usize, duration: Duration, request: F) -> Report
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Sample> + Send,
{
    let request = Arc::new(request);
    let counter = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let deadline = started + duration;
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let (request, counter) = (Arc::clone(&request), Arc::clone(&counter));
            tokio::spawn(async move {
                let mut samples = Vec::new();
                while Instant::now() < deadline {
                    samples.push(request(counter.fetch_add(1, Ordering::Relaxed)).await);
                }
                samples
            })
        })
        .collect();
    let mut samples = Vec::new();
    for task in tasks {
        samples.extend(task.await.unwrap());
    }
    Report { name, concurrency, elapsed: started.elapsed(), samples }
}

fn percentile(sorted: &[Duration], fraction: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

fn print_reports(backend: &str, reports: &[Report]) {
    println!("\n{backend}");
    println!(
        "{:<34} {:>5} {:>9} {:>7} {:>10} {:>9} {:>9} {:>9} {:>10}",
        "scenario", "conc", "requests", "errors", "req/s", "p50 ms", "p99 ms", "max ms", "bytes/resp"
    );
    for report in reports {
        let mut latencies: Vec<Duration> = report.samples.iter().map(|s| s.latency).collect();
        latencies.sort_unstable();
        let count = report.samples.len();
        let errors = report.samples.iter().filter(|s| !s.success).count();
        let bytes = report.samples.iter().map(|s| s.bytes).sum::<usize>() / count.max(1);
        println!(
            "{:<34} {:>5} {:>9} {:>7} {:>10.0} {:>9.2} {:>9.2} {:>9.2} {:>10}",
            report.name,
            report.concurrency,
            count,
            errors,
            count as f64 / report.elapsed.as_secs_f64(),
            percentile(&latencies, 0.50),
            percentile(&latencies, 0.99),
            percentile(&latencies, 1.0),
            bytes
        );
    }
}

async fn seed(app: &Arc<TestApp>, tenant: &Tenant) -> Vec<String> {
    let next = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..8)
        .map(|_| {
            let (app, token, next) = (Arc::clone(app), tenant.token.clone(), Arc::clone(&next));
            tokio::spawn(async move {
                let mut ids = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= SEEDED_CUSTOMERS {
                        return ids;
                    }
                    let sector = if i % 10 == 0 { "Healthcare" } else { "Retail" };
                    let body = json!({
                        "name": format!("Customer {i}"), "domains": [format!("c{i}.bench.example")], "country": "DE",
                        "sector": sector, "seats": i % 20, "tier": if i % 3 == 0 { "professional" } else { "starter" }
                    });
                    let response = app.post("/api/v1/customers", Some(&token), &body).await;
                    assert_eq!(response.status(), reqwest::StatusCode::CREATED, "seeding");
                    let created: serde_json::Value = response.json().await.unwrap();
                    ids.push(created["id"].as_str().unwrap().to_owned());
                }
            })
        })
        .collect();
    let mut ids = Vec::new();
    for worker in workers {
        ids.extend(worker.await.unwrap());
    }
    ids
}

async fn bench(backend: Backend, label: &str, seconds: u64, concurrency: usize) {
    let Some(app) = spawn_app_with(backend, |settings| {
        settings.workers = Some(2);
        settings.pool.max_size = 10;
    })
    .await
    else {
        println!("\n{label}: skipped, PostgreSQL does not answer");
        return;
    };
    let app = Arc::new(app);
    let tenant = app.tenant("Bench MSP").await;
    let limits = domain::msps::MspLimits {
        max_organizations: domain::msps::MspLimits::MAX_VALUE,
        seat_pool_total: 1_000_000,
        ..domain::msps::MspLimits::starter()
    };
    app.set_limits(&tenant, limits).await;
    let seeding = Instant::now();
    let ids = Arc::new(seed(&app, &tenant).await);
    println!("\n{label}: seeded {} customers in {:.1} s", ids.len(), seeding.elapsed().as_secs_f64());

    let duration = Duration::from_secs(seconds);
    let token = tenant.token.clone();
    let mut reports = Vec::new();

    let a = Arc::clone(&app);
    reports.push(
        load("GET /healthz", concurrency, duration, move |_| {
            timed(a.client.get(a.url("/healthz")), reqwest::StatusCode::OK)
        })
        .await,
    );
    let (a, t) = (Arc::clone(&app), token.clone());
    reports.push(
        load("GET /api/v1/customers?limit=50", concurrency, duration, move |_| {
            timed(a.client.get(a.url("/api/v1/customers?limit=50")).bearer_auth(&t), reqwest::StatusCode::OK)
        })
        .await,
    );
    let (a, t) = (Arc::clone(&app), token.clone());
    reports.push(
        load("GET /customers?sector=&sort=name", concurrency, duration, move |_| {
            let path = "/api/v1/customers?limit=50&sector=Healthcare&sort=name";
            timed(a.client.get(a.url(path)).bearer_auth(&t), reqwest::StatusCode::OK)
        })
        .await,
    );
    let (a, t) = (Arc::clone(&app), token.clone());
    reports.push(
        load("GET /customers?q=customer 12", concurrency, duration, move |_| {
            timed(
                a.client.get(a.url("/api/v1/customers?limit=50&q=customer%2012")).bearer_auth(&t),
                reqwest::StatusCode::OK,
            )
        })
        .await,
    );
    let (a, t) = (Arc::clone(&app), token.clone());
    reports.push(
        load("GET /api/v1/license/pool", concurrency, duration, move |_| {
            timed(a.client.get(a.url("/api/v1/license/pool")).bearer_auth(&t), reqwest::StatusCode::OK)
        })
        .await,
    );
    let key = app
        .post("/api/v1/api-keys", Some(&token), &json!({ "name": "bench", "scopes": ["read"] }))
        .await
        .json::<serde_json::Value>()
        .await
        .unwrap()["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let a = Arc::clone(&app);
    reports.push(
        load("GET /api/v1/customers (API key)", concurrency, duration, move |_| {
            timed(a.client.get(a.url("/api/v1/customers?limit=50")).bearer_auth(&key), reqwest::StatusCode::OK)
        })
        .await,
    );
    let (a, t) = (Arc::clone(&app), token.clone());
    reports.push(
        load("GET /api/v1/audit-events?limit=50", concurrency, duration, move |_| {
            timed(a.client.get(a.url("/api/v1/audit-events?limit=50")).bearer_auth(&t), reqwest::StatusCode::OK)
        })
        .await,
    );
    let (a, t, ids_for_get) = (Arc::clone(&app), token.clone(), Arc::clone(&ids));
    reports.push(
        load("GET /api/v1/customers/{id}", concurrency, duration, move |n| {
            let path = format!("/api/v1/customers/{}", ids_for_get[n % ids_for_get.len()]);
            timed(a.client.get(a.url(&path)).bearer_auth(&t), reqwest::StatusCode::OK)
        })
        .await,
    );
    let (a, t) = (Arc::clone(&app), token.clone());
    reports.push(
        load("POST /api/v1/customers", concurrency, duration, move |n| {
            let body =
                json!({ "name": format!("New {n}"), "domains": [format!("n{n}.bench.example")], "country": "FR" });
            timed(a.client.post(a.url("/api/v1/customers")).bearer_auth(&t).json(&body), reqwest::StatusCode::CREATED)
        })
        .await,
    );
    let (a, email) = (Arc::clone(&app), tenant.email.clone());
    reports.push(
        load("POST /api/v1/auth/login (argon2id)", 4, duration, move |_| {
            let body = json!({ "email": email, "password": PASSWORD });
            timed(a.client.post(a.url("/api/v1/auth/login")).json(&body), reqwest::StatusCode::OK)
        })
        .await,
    );
    print_reports(label, &reports);
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let seconds = env_number("BENCH_SECONDS", 5);
    let concurrency = usize::try_from(env_number("BENCH_CONCURRENCY", 32)).unwrap_or(32);
    println!(
        "msp-portal bench: {} cores, {seconds} s per scenario, {concurrency} client tasks (login: 4), server with 2 HTTP workers and 10 database connections; client and server share the machine",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    bench(Backend::Sqlite, "SQLite", seconds, concurrency).await;
    bench(Backend::Postgres, "PostgreSQL", seconds, concurrency).await;
}
