//! `make bench`: throughput and latency of the main routes, on SQLite and
//! PostgreSQL, against a real server (release build, 2 HTTP workers) over a
//! fresh database seeded with one MSP and 10,000 customers (a tenth of them
//! in the Healthcare sector, seats 0-19).
//!
//! Then the metering part: a fresh database per backend with one MSP of
//! 1,000 customers x 1,000 accounts (5 status changes each over the past
//! year), the MAA reads one after another and under load, and a CSV import
//! of 10,000 accounts, sent twice.
//!
//! Settings: `BENCH_SECONDS` (per scenario, default 5), `BENCH_CONCURRENCY`
//! (client tasks, default 32), `BENCH_ONLY=portfolio` (the 10,000-customer part only), `BENCH_ONLY=maa`
//! (the metering part only), `BENCH_ONLY=scim`
//! (the SCIM part only: one customer with 10,000 users, lookups, pages, creates and patches under load), `BENCH_ONLY=campaigns`
//! (a campaign of 100,000 recipients launched, and the campaign list across 1,000 customers). Traffic goes to 127.0.0.1 only, and every
//! scenario stops after its duration.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stdout)]

mod campaigns;
mod scim;
mod sending;

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

/// Customers of the metering bench, each with [`ACCOUNTS_PER_CUSTOMER`].
const MAA_CUSTOMERS: usize = 1_000;
const ACCOUNTS_PER_CUSTOMER: usize = 1_000;
/// Status changes per account, its creation included.
const CHANGES_PER_ACCOUNT: usize = 5;
/// Rows of the timed CSV import.
const IMPORTED_ROWS: usize = 10_000;

/// A small deterministic generator (SplitMix64): seeding needs spread, not secrecy.
struct Spread(u64);

impl Spread {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % below.max(1)
    }
}

/// Writes one customer's accounts, each with [`CHANGES_PER_ACCOUNT`] status
/// changes spread over the past year, and the roll-up those changes make,
/// computed by the same domain rule the server applies change by change.
fn seed_accounts(
    conn: &mut persistence::DbConnection,
    msp_id: &str,
    customer: &str,
    index: usize,
    now: chrono::NaiveDateTime,
) {
    use domain::accounts::AccountStatus;
    use persistence::accounts::{AccountRecord, Organization, StatusChangeRecord};
    let mut spread = Spread(index as u64 + 1);
    let year = 365 * 86_400;
    let mut records = Vec::with_capacity(ACCOUNTS_PER_CUSTOMER);
    let mut changes = Vec::with_capacity(ACCOUNTS_PER_CUSTOMER * CHANGES_PER_ACCOUNT);
    let mut tallies: std::collections::BTreeMap<domain::maa::Month, domain::maa::MonthTally> = Default::default();
    let mut active = 0;
    for n in 0..ACCOUNTS_PER_CUSTOMER {
        let mut offsets: Vec<i64> = (0..CHANGES_PER_ACCOUNT).map(|_| spread.next(year) as i64).collect();
        offsets.sort_unstable_by(|a, b| b.cmp(a));
        let id = persistence::new_id();
        let (mut status, mut last_active, mut changed_at) = (None, None, now);
        let created_at = now - chrono::Duration::seconds(offsets[0]);
        for (k, offset) in offsets.iter().enumerate() {
            let at = now - chrono::Duration::seconds(*offset);
            let to = if k % 2 == 0 { AccountStatus::Active } else { AccountStatus::Inactive };
            if let Some(effect) = domain::maa::effect_of(status, to, last_active, at) {
                *tallies.entry(effect.month).or_default() += effect.tally;
                last_active = Some(effect.last_active_month);
            }
            status = Some(to);
            changed_at = at;
            changes.push(StatusChangeRecord {
                id: persistence::new_id(),
                account_id: id.clone(),
                msp_id: msp_id.to_owned(),
                status: to,
                changed_at: at,
                changed_by: "bench".to_owned(),
            });
        }
        let status = status.unwrap_or(AccountStatus::Inactive);
        active += i64::from(status == AccountStatus::Active);
        records.push(AccountRecord {
            id,
            msp_id: msp_id.to_owned(),
            customer_id: Some(customer.to_owned()),
            email: format!("user{n}@c{index}.maa.example"),
            display_name: Some(format!("User {n}")),
            department: Some(["Finance", "Sales", "IT", "Ops"][n % 4].to_owned()),
            external_id: None,
            status,
            last_active_month: last_active.map(domain::maa::Month::first_day),
            status_changed_at: changed_at,
            deleted_at: None,
            created_at,
            updated_at: changed_at,
            scim_attributes: None,
        });
    }
    persistence::transactions::write_transaction(conn, |tx| {
        persistence::accounts::load_accounts(tx, &records, &changes)?;
        persistence::maa::add_tallies(tx, msp_id, customer, &tallies)?;
        persistence::accounts::add_active(tx, msp_id, Organization::Customer(customer), active)
    })
    .unwrap();
}

/// Times `path` `times` times, one request after another: (median, slowest) in ms and the body size.
async fn time_reads(app: &TestApp, token: &str, path: &str, times: usize) -> (f64, f64, usize) {
    let mut latencies = Vec::new();
    let mut bytes = 0;
    for _ in 0..times {
        let started = Instant::now();
        let response = app.client.get(app.url(path)).bearer_auth(token).send().await.unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::OK, "{path}");
        bytes = response.bytes().await.unwrap().len();
        latencies.push(started.elapsed());
    }
    latencies.sort_unstable();
    (percentile(&latencies, 0.5), percentile(&latencies, 1.0), bytes)
}

/// `make bench`'s metering part: one MSP with 1,000 customers x 1,000
/// accounts and 5 status changes each, then the MAA reads and a CSV import.
async fn maa_bench(backend: Backend, label: &str) {
    let Some(app) = spawn_app_with(backend, |settings| {
        settings.workers = Some(2);
        settings.pool.max_size = 10;
    })
    .await
    else {
        println!("\n{label} metering: skipped, PostgreSQL does not answer");
        return;
    };
    let app = Arc::new(app);
    let tenant = app.tenant("Metered bench MSP").await;
    let limits = domain::msps::MspLimits {
        max_organizations: 10_000,
        seat_pool_total: 10_000_000,
        max_global_users: 10_000_000,
        ..domain::msps::MspLimits::starter()
    };
    app.set_limits(&tenant, limits).await;
    let seeding = Instant::now();
    let mut customers = Vec::new();
    for i in 0..MAA_CUSTOMERS {
        let body = json!({ "name": format!("Metered {i}"), "domains": [format!("c{i}.maa.example")], "country": "DE", "seats": ACCOUNTS_PER_CUSTOMER });
        let response = app.post("/api/v1/customers", Some(&tenant.token), &body).await;
        assert_eq!(response.status(), reqwest::StatusCode::CREATED, "seeding a metered customer");
        customers.push(response.json::<serde_json::Value>().await.unwrap()["id"].as_str().unwrap().to_owned());
    }
    let now = chrono::Utc::now().naive_utc();
    let next = Arc::new(AtomicUsize::new(0));
    let customers = Arc::new(customers);
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let (pool, next, customers, msp_id) =
                (app.pool.clone(), Arc::clone(&next), Arc::clone(&customers), tenant.msp_id.clone());
            tokio::task::spawn_blocking(move || {
                let mut conn = pool.get().unwrap();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= customers.len() {
                        return;
                    }
                    seed_accounts(&mut conn, &msp_id, &customers[i], i, now);
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap();
    }
    println!(
        "\n{label} metering: seeded {} customers x {} accounts x {} status changes in {:.1} s",
        MAA_CUSTOMERS,
        ACCOUNTS_PER_CUSTOMER,
        CHANGES_PER_ACCOUNT,
        seeding.elapsed().as_secs_f64()
    );
    let token = tenant.token.clone();
    let one = &customers[MAA_CUSTOMERS / 2];
    println!("{:<52} {:>9} {:>9} {:>10}", "read (20 in a row)", "p50 ms", "max ms", "bytes");
    for path in [
        "/api/v1/maa/summary".to_owned(),
        "/api/v1/maa/history?months=12".to_owned(),
        format!("/api/v1/maa/history?months=12&customer_id={one}"),
        "/api/v1/maa/history/customers?months=12&limit=50".to_owned(),
        "/api/v1/maa/allowance?months=12".to_owned(),
    ] {
        let (p50, max, bytes) = time_reads(&app, &token, &path, 20).await;
        let shown = path.replace(one.as_str(), "{id}");
        println!("{shown:<52} {p50:>9.2} {max:>9.2} {bytes:>10}");
    }
    let duration = Duration::from_secs(env_number("BENCH_SECONDS", 5));
    let (a, t) = (Arc::clone(&app), token.clone());
    let summary = load("GET /api/v1/maa/summary", 32, duration, move |_| {
        timed(a.client.get(a.url("/api/v1/maa/summary")).bearer_auth(&t), reqwest::StatusCode::OK)
    })
    .await;
    let (a, t) = (Arc::clone(&app), token.clone());
    let history = load("GET /api/v1/maa/history?months=12", 32, duration, move |_| {
        timed(a.client.get(a.url("/api/v1/maa/history?months=12")).bearer_auth(&t), reqwest::StatusCode::OK)
    })
    .await;
    print_reports(&format!("{label} metering under load"), &[summary, history]);

    let body =
        json!({ "name": "Imported", "domains": ["imported.maa.example"], "country": "DE", "seats": IMPORTED_ROWS });
    let importer: serde_json::Value = app.post("/api/v1/customers", Some(&token), &body).await.json().await.unwrap();
    let path = format!("/api/v1/customers/{}/accounts/import", importer["id"].as_str().unwrap());
    let mut csv = String::from("email,display_name,department,external_id,status\r\n");
    for n in 0..IMPORTED_ROWS {
        csv.push_str(&format!("person{n}@imported.maa.example,Person {n},Dept {},ext-{n},active\r\n", n % 20));
    }
    for attempt in ["first", "again (all unchanged)"] {
        let started = Instant::now();
        let response = app
            .client
            .post(app.url(&path))
            .bearer_auth(&token)
            .header("content-type", "text/csv")
            .body(csv.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::OK, "import");
        let report: serde_json::Value = response.json().await.unwrap();
        println!(
            "POST accounts/import, {IMPORTED_ROWS} rows ({} KB), {attempt}: {:.0} ms (created {}, unchanged {}, rejected {})",
            csv.len() / 1024,
            started.elapsed().as_secs_f64() * 1000.0,
            report["created"],
            report["unchanged"],
            report["rejected"]
        );
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let seconds = env_number("BENCH_SECONDS", 5);
    let concurrency = usize::try_from(env_number("BENCH_CONCURRENCY", 32)).unwrap_or(32);
    println!(
        "msp-portal bench: {} cores, {seconds} s per scenario, {concurrency} client tasks (login: 4), server with 2 HTTP workers and 10 database connections; client and server share the machine",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    let only = std::env::var("BENCH_ONLY").ok();
    if only.is_none() || only.as_deref() == Some("portfolio") {
        bench(Backend::Sqlite, "SQLite", seconds, concurrency).await;
        bench(Backend::Postgres, "PostgreSQL", seconds, concurrency).await;
    }
    if only.is_none() || only.as_deref() == Some("maa") {
        maa_bench(Backend::Sqlite, "SQLite").await;
        maa_bench(Backend::Postgres, "PostgreSQL").await;
    }
    if only.is_none() || only.as_deref() == Some("scim") {
        scim::scim_bench(Backend::Sqlite, "SQLite").await;
        scim::scim_bench(Backend::Postgres, "PostgreSQL").await;
    }
    if only.is_none() || only.as_deref() == Some("campaigns") {
        campaigns::run(seconds, concurrency).await;
    }
    if only.is_none() || only.as_deref() == Some("sending") {
        sending::run(seconds, concurrency).await;
    }
}
