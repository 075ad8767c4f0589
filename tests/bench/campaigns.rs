//! `BENCH_ONLY=campaigns`: materialising and planning a phishing campaign of
//! 100,000 recipients (the launch's time, and the peak memory of the server
//! process that ran it), and the campaign list and counts across 1,000
//! customers with 3 campaigns each, under load.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use e2e_tests::{Backend, Tenant, TestApp, spawn_app_with};
use serde_json::{Value, json};

use crate::{load, print_reports, timed};

const RECIPIENTS: usize = 100_000;
const LIST_CUSTOMERS: usize = 1_000;
const CAMPAIGNS_PER_CUSTOMER: usize = 3;

/// Peak and current resident memory of process `pid`, in MiB (Linux).
fn memory_mib(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    (field("VmHWM:"), field("VmRSS:"))
}

pub(crate) async fn roomy(app: &TestApp, name: &str) -> Tenant {
    let tenant = app.tenant(name).await;
    let limits = domain::msps::MspLimits {
        max_organizations: 10_000,
        seat_pool_total: 10_000_000,
        max_global_users: 10_000_000,
        ..domain::msps::MspLimits::starter()
    };
    app.set_limits(&tenant, limits).await;
    tenant
}

/// A live customer with `accounts` active accounts and a confirmed delivery test.
pub(crate) async fn big_live_customer(app: &TestApp, tenant: &Tenant, accounts: usize) -> String {
    big_live_customer_named(app, tenant, accounts, "big.bench.example").await
}

/// Like [`big_live_customer`], on the e-mail domain `mail_domain`.
pub(crate) async fn big_live_customer_named(
    app: &TestApp,
    tenant: &Tenant,
    accounts: usize,
    mail_domain: &str,
) -> String {
    let body = json!({ "name": format!("Customer of {mail_domain}"), "domains": [mail_domain], "country": "FI",
        "timezone": "Europe/Helsinki", "seats": accounts, "tier": "starter" });
    let customer: Value = app.post("/api/v1/customers", Some(&tenant.token), &body).await.json().await.unwrap();
    let id = customer["id"].as_str().unwrap().to_owned();
    let (msp_id, customer_id, mail_domain) = (tenant.msp_id.clone(), id.clone(), mail_domain.to_owned());
    let now = chrono::Utc::now().naive_utc();
    app.with_db(move |conn| {
        use domain::accounts::AccountStatus;
        let records: Vec<persistence::accounts::AccountRecord> = (0..accounts)
            .map(|n| persistence::accounts::AccountRecord {
                id: persistence::new_id(),
                msp_id: msp_id.clone(),
                customer_id: Some(customer_id.clone()),
                email: format!("user{n:06}@{mail_domain}"),
                display_name: Some(format!("User {n}")),
                department: Some(["Finance", "Sales", "IT", "Operations"][n % 4].to_owned()),
                external_id: None,
                status: AccountStatus::Active,
                last_active_month: None,
                status_changed_at: now,
                deleted_at: None,
                created_at: now,
                updated_at: now,
                scim_attributes: None,
            })
            .collect();
        persistence::accounts::insert_all(conn, &records, "bench").unwrap();
        let test = persistence::onboarding::DeliveryTestRecord {
            id: persistence::new_id(),
            msp_id,
            customer_id,
            recipient: format!("it@{mail_domain}"),
            token_hash: format!("bench-{}", persistence::new_id()),
            status: domain::onboarding::DeliveryTestStatus::Confirmed,
            relay_response: Some("250 OK".to_owned()),
            created_at: now,
            created_by: "bench".to_owned(),
            confirmed_at: Some(now),
        };
        persistence::onboarding::insert_delivery_test(conn, &test).unwrap();
    })
    .await;
    let live = app.patch(&format!("/api/v1/customers/{id}"), Some(&tenant.token), &json!({ "status": "live" })).await;
    assert_eq!(live.status(), reqwest::StatusCode::OK, "going live: {}", live.text().await.unwrap());
    id
}

fn campaign_body(name: &str, starts_at: &str) -> Value {
    json!({
        "name": name,
        "scenario_ids": ["00000000-0000-7000-8000-000000000001", "00000000-0000-7000-8000-000000000003", "00000000-0000-7000-8000-000000000012"],
        "schedule": { "starts_at": starts_at, "spread_over": { "amount": 5, "unit": "business_days" },
            "window": { "start": "08:00", "end": "17:00" }, "randomize_order": true, "max_per_minute": 100 }
    })
}

/// Launches a campaign of 100,000 recipients on a server process of its
/// own, timing the launch and reading that process's peak memory.
async fn launch_bench(backend: Backend, label: &str) {
    let Some(app) = spawn_app_with(backend, |settings| settings.workers = Some(2)).await else {
        println!("\n{label} campaigns: skipped, PostgreSQL does not answer");
        return;
    };
    let tenant = roomy(&app, "Campaign bench MSP").await;
    let seeding = Instant::now();
    let customer = big_live_customer(&app, &tenant, RECIPIENTS).await;
    println!("\n{label} campaigns: seeded {RECIPIENTS} accounts in {:.1} s", seeding.elapsed().as_secs_f64());
    let node = std::env::current_exe().unwrap().with_file_name("portal-node");
    let server = app.spawn_process_with(node.to_str().unwrap(), &[("JOBS_ENABLED", "false")]).await;
    let (before_peak, before) = memory_mib(server.pid());
    let starts = (chrono::Utc::now() + chrono::TimeDelta::days(14)).format("%Y-%m-%dT09:00").to_string();
    let client = &app.client;
    let path = format!("{}/api/v1/customers/{customer}/campaigns", server.address);
    let started = Instant::now();
    let created =
        client.post(&path).bearer_auth(&tenant.token).json(&campaign_body("Everyone", &starts)).send().await.unwrap();
    let create_ms = started.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(created.status(), reqwest::StatusCode::CREATED, "{}", created.text().await.unwrap());
    let created: Value = created.json().await.unwrap();
    let campaign = format!("{path}/{}", created["id"].as_str().unwrap());
    let started = Instant::now();
    let launched = client.post(format!("{campaign}/launch")).bearer_auth(&tenant.token).send().await.unwrap();
    let launch_s = started.elapsed().as_secs_f64();
    assert_eq!(launched.status(), reqwest::StatusCode::OK, "{}", launched.text().await.unwrap());
    let launched: Value = launched.json().await.unwrap();
    let (peak, after) = memory_mib(server.pid());
    let started = Instant::now();
    let page = client.get(format!("{campaign}/recipients?limit=200")).bearer_auth(&tenant.token).send().await.unwrap();
    let page_ms = started.elapsed().as_secs_f64() * 1000.0;
    let page_bytes = page.bytes().await.unwrap().len();
    println!(
        "{label}: create (checks the plan of {RECIPIENTS}) {create_ms:.0} ms; launch of {} recipients {launch_s:.2} s ({:.0} recipients/s), \
         planned {} to {}; server RSS {before:.0} MiB before, peak {peak:.0} MiB (was {before_peak:.0}), {after:.0} MiB after; \
         first page of 200 recipients {page_ms:.1} ms, {page_bytes} bytes",
        launched["recipient_count"],
        RECIPIENTS as f64 / launch_s,
        launched["first_send_at"].as_str().unwrap_or("?"),
        launched["last_send_at"].as_str().unwrap_or("?"),
    );
    results_bench(&app, &tenant, &server.address, &customer, &campaign, label).await;
}

/// Median milliseconds of `times` GETs of `url`, and the bytes of the last.
async fn median_ms(client: &reqwest::Client, token: &str, url: &str, times: usize) -> (f64, usize) {
    let mut took = Vec::with_capacity(times);
    let mut bytes = 0;
    for _ in 0..times {
        let started = Instant::now();
        let response = client.get(url).bearer_auth(token).send().await.unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::OK, "{url}");
        bytes = response.bytes().await.unwrap().len();
        took.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    took.sort_by(f64::total_cmp);
    (took[times / 2], bytes)
}

/// The results of the 100,000-recipient campaign (every message marked
/// sent, one in a hundred clicked) next to a 10-recipient campaign's.
async fn results_bench(app: &TestApp, tenant: &Tenant, server: &str, customer: &str, campaign: &str, label: &str) {
    let campaign_id = campaign.rsplit('/').next().unwrap().to_owned();
    let msp_id = tenant.msp_id.clone();
    app.with_db(move |conn| {
        use diesel::prelude::*;
        let now = chrono::Utc::now().naive_utc();
        let recipients = persistence::campaign_recipients::list(
            conn,
            &msp_id,
            &campaign_id,
            &persistence::campaign_recipients::RecipientFilter::default(),
            None,
            1_000_000,
        )
        .unwrap();
        let ids: Vec<String> = recipients.iter().map(|(r, _, _)| r.id.clone()).collect();
        let clicked: Vec<String> = ids.iter().step_by(100).cloned().collect();
        diesel::sql_query(format!(
            "UPDATE campaign_recipients SET delivery = 'sent', sent_at = '{now}' WHERE campaign_id = '{campaign_id}'"
        ))
        .execute(conn)
        .unwrap();
        for chunk in clicked.chunks(500) {
            let list = chunk.iter().map(|id| format!("'{id}'")).collect::<Vec<_>>().join(",");
            diesel::sql_query(format!(
                "UPDATE campaign_recipients SET clicked_at = '{now}', prone_at = '{now}' WHERE id IN ({list})"
            ))
            .execute(conn)
            .unwrap();
        }
    })
    .await;
    let client = &app.client;
    let token = &tenant.token;
    let (big_summary, summary_bytes) = median_ms(client, token, &format!("{campaign}/results"), 21).await;
    let (page, page_bytes) = median_ms(client, token, &format!("{campaign}/recipients?limit=200"), 11).await;
    let (clicked, _) = median_ms(client, token, &format!("{campaign}/recipients?outcome=clicked&limit=200"), 11).await;
    let (no_action, _) =
        median_ms(client, token, &format!("{campaign}/recipients?outcome=no_action&limit=200"), 11).await;
    let (events, _) = median_ms(client, token, &format!("{campaign}/events?limit=200"), 11).await;
    // A campaign of 10 on a customer of its own, for scale.
    let small_customer = big_live_customer_named(app, tenant, 10, "small.bench.example").await;
    let path = format!("{server}/api/v1/customers/{small_customer}/campaigns");
    let starts = (chrono::Utc::now() + chrono::TimeDelta::days(14)).format("%Y-%m-%dT09:00").to_string();
    let created: Value = client
        .post(&path)
        .bearer_auth(token)
        .json(&campaign_body("Ten", &starts))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let small = format!("{path}/{}", created["id"].as_str().unwrap());
    let launched = client.post(format!("{small}/launch")).bearer_auth(token).send().await.unwrap();
    assert_eq!(launched.status(), reqwest::StatusCode::OK);
    let (small_summary, _) = median_ms(client, token, &format!("{small}/results"), 21).await;
    println!(
        "{label}: results summary at {RECIPIENTS} recipients {big_summary:.2} ms ({summary_bytes} bytes), at 10 recipients \
         {small_summary:.2} ms (ratio {:.2}); a page of 200 recipients {page:.2} ms ({page_bytes} bytes); \
         outcome=clicked (1 in 100) {clicked:.2} ms; outcome=no_action {no_action:.2} ms; events page {events:.2} ms (medians)",
        big_summary / small_summary
    );
    let _ = customer;
}

/// The campaign list and counts across 1,000 customers, under load.
async fn list_bench(backend: Backend, label: &str, seconds: u64, concurrency: usize) {
    let Some(app) = spawn_app_with(backend, |settings| {
        settings.workers = Some(2);
        settings.pool.max_size = 10;
    })
    .await
    else {
        return;
    };
    let app = Arc::new(app);
    let tenant = roomy(&app, "Campaign list bench MSP").await;
    let seeding = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let starts = (chrono::Utc::now() + chrono::TimeDelta::days(30)).format("%Y-%m-%dT09:00").to_string();
    let workers: Vec<_> = (0..8)
        .map(|_| {
            let (app, token, next, starts) = (Arc::clone(&app), tenant.token.clone(), Arc::clone(&next), starts.clone());
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= LIST_CUSTOMERS {
                        return;
                    }
                    let body = json!({ "name": format!("Listed {i}"), "domains": [format!("l{i}.bench.example")], "country": "DE" });
                    let customer: Value = app.post("/api/v1/customers", Some(&token), &body).await.json().await.unwrap();
                    let path = format!("/api/v1/customers/{}/campaigns", customer["id"].as_str().unwrap());
                    for c in 0..CAMPAIGNS_PER_CUSTOMER {
                        let response = app.post(&path, Some(&token), &campaign_body(&format!("Campaign {c}"), &starts)).await;
                        assert_eq!(response.status(), reqwest::StatusCode::CREATED, "seeding a campaign");
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap();
    }
    println!(
        "\n{label}: seeded {LIST_CUSTOMERS} customers with {CAMPAIGNS_PER_CUSTOMER} campaigns each (through the API) in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );
    let duration = Duration::from_secs(seconds);
    let mut reports = Vec::new();
    for (name, path) in [
        ("GET /campaigns?limit=50", "/api/v1/campaigns?limit=50"),
        ("GET /campaigns?status=draft&kind=", "/api/v1/campaigns?status=draft&kind=phishing&limit=50"),
        ("GET /campaigns/counts", "/api/v1/campaigns/counts"),
    ] {
        let (a, t) = (Arc::clone(&app), tenant.token.clone());
        reports.push(
            load(name, concurrency, duration, move |_| {
                timed(a.client.get(a.url(path)).bearer_auth(&t), reqwest::StatusCode::OK)
            })
            .await,
        );
    }
    print_reports(&format!("{label}: campaigns across {LIST_CUSTOMERS} customers"), &reports);
}

/// The whole campaign part, on both backends.
pub async fn run(seconds: u64, concurrency: usize) {
    launch_bench(Backend::Sqlite, "SQLite").await;
    launch_bench(Backend::Postgres, "PostgreSQL").await;
    list_bench(Backend::Sqlite, "SQLite", seconds, concurrency).await;
    list_bench(Backend::Postgres, "PostgreSQL", seconds, concurrency).await;
}
