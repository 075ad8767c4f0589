//! `BENCH_ONLY=scim`: one customer with 10,000 users, and what an identity
//! provider does on every sync, under load.

use std::sync::Arc;
use std::time::{Duration, Instant};

use e2e_tests::{Backend, spawn_app_with};
use serde_json::json;

use crate::{env_number, load, print_reports, timed};

/// Accounts of the customer the SCIM part provisions against.
const SCIM_ACCOUNTS: usize = 10_000;

/// The SCIM part: one customer with 10,000 accounts (imported), then what an
/// identity provider does on every sync — look a user up by userName, page
/// through users, create and change users — under load.
pub async fn scim_bench(backend: Backend, label: &str) {
    let Some(app) = spawn_app_with(backend, |settings| {
        settings.workers = Some(2);
        settings.pool.max_size = 10;
    })
    .await
    else {
        println!("\n{label} SCIM: skipped, PostgreSQL does not answer");
        return;
    };
    let app = Arc::new(app);
    let tenant = app.tenant("SCIM bench MSP").await;
    let limits = domain::msps::MspLimits {
        seat_pool_total: 1_000_000,
        max_global_users: 1_000_000,
        ..domain::msps::MspLimits::starter()
    };
    app.set_limits(&tenant, limits).await;
    let body = json!({ "name": "Synced", "domains": ["synced.example"], "country": "DE", "seats": 500_000, "max_mau": 500_000 });
    let customer: serde_json::Value =
        app.post("/api/v1/customers", Some(&tenant.token), &body).await.json().await.unwrap();
    let customer = customer["id"].as_str().unwrap().to_owned();
    let mut csv = String::from("email,display_name,department\r\n");
    for n in 0..SCIM_ACCOUNTS {
        csv.push_str(&format!("person{n}@synced.example,Person {n},Dept {}\r\n", n % 20));
    }
    let response = app
        .client
        .post(app.url(&format!("/api/v1/customers/{customer}/accounts/import")))
        .bearer_auth(&tenant.token)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::OK, "seeding the SCIM customer");
    let token: serde_json::Value = app
        .post(&format!("/api/v1/customers/{customer}/scim-token"), Some(&tenant.token), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    let (base, scim_token) =
        (token["base_url"].as_str().unwrap().to_owned(), token["token"].as_str().unwrap().to_owned());
    let lookup_base = base.clone();
    let lookup_one =
        move |n: usize| format!("{lookup_base}/Users?filter=userName%20eq%20%22person{n}@synced.example%22");
    let (a, t) = (Arc::clone(&app), scim_token.clone());
    let first =
        a.client.get(lookup_one(7)).bearer_auth(&t).send().await.unwrap().json::<serde_json::Value>().await.unwrap();
    assert_eq!(first["totalResults"], 1, "the lookup finds the user");
    let ids: Vec<String> = {
        let page = a.client.get(format!("{base}/Users?count=200")).bearer_auth(&t).send().await.unwrap();
        let page: serde_json::Value = page.json().await.unwrap();
        page["Resources"].as_array().unwrap().iter().map(|u| u["id"].as_str().unwrap().to_owned()).collect()
    };
    let scan = Instant::now();
    let scanned = a
        .client
        .get(format!("{base}/Users?filter=emails.value%20co%20%22nobody%22"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(scanned.status(), reqwest::StatusCode::OK);
    println!(
        "\n{label} SCIM: a filter no index serves (emails.value co) over {SCIM_ACCOUNTS} users: {:.0} ms",
        scan.elapsed().as_secs_f64() * 1000.0
    );
    let duration = Duration::from_secs(env_number("BENCH_SECONDS", 5));
    let (a, t, url) = (Arc::clone(&app), scim_token.clone(), lookup_one);
    let lookups = load("GET /Users?filter=userName eq", 32, duration, move |n| {
        timed(a.client.get(url(n * 7_919 % SCIM_ACCOUNTS)).bearer_auth(&t), reqwest::StatusCode::OK)
    })
    .await;
    let (a, t, b) = (Arc::clone(&app), scim_token.clone(), base.clone());
    let pages = load("GET /Users?startIndex&count=100", 32, duration, move |n| {
        let start = 1 + (n * 100) % SCIM_ACCOUNTS;
        timed(a.client.get(format!("{b}/Users?startIndex={start}&count=100")).bearer_auth(&t), reqwest::StatusCode::OK)
    })
    .await;
    let (a, t, b) = (Arc::clone(&app), scim_token.clone(), base.clone());
    let creates = load("POST /Users", 32, duration, move |n| {
        let user = json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": format!("joiner{n}@synced.example"), "displayName": format!("Joiner {n}"), "active": true });
        timed(
            a.client
                .post(format!("{b}/Users"))
                .bearer_auth(&t)
                .header("content-type", "application/scim+json")
                .body(user.to_string()),
            reqwest::StatusCode::CREATED,
        )
    })
    .await;
    let (a, t, b, ids) = (Arc::clone(&app), scim_token.clone(), base.clone(), Arc::new(ids));
    let patches = load("PATCH /Users/{id} (displayName)", 32, duration, move |n| {
        let patch = json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{ "op": "Replace", "path": "displayName", "value": format!("Renamed {n}") }] });
        timed(
            a.client
                .patch(format!("{b}/Users/{}", ids[n % ids.len()]))
                .bearer_auth(&t)
                .header("content-type", "application/scim+json")
                .body(patch.to_string()),
            reqwest::StatusCode::OK,
        )
    })
    .await;
    print_reports(
        &format!("{label} SCIM, one customer with {SCIM_ACCOUNTS} users"),
        &[lookups, pages, creates, patches],
    );
}
