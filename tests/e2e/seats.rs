//! The seat pool and the organisation limit: never exceeded, whatever the
//! concurrency, and every refusal a clear 409.

use domain::msps::MspLimits;
use e2e_tests::{Tenant, TestApp, assert_problem, on_both_backends};
use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn set_limits(app: &TestApp, tenant: &Tenant, max_organizations: i64, seat_pool_total: i64) {
    app.set_limits(tenant, MspLimits { max_organizations, seat_pool_total, ..MspLimits::starter() }).await;
}

async fn create(app: &TestApp, tenant: &Tenant, n: usize, seats: i64) -> Value {
    let body = json!({ "name": format!("Customer {n}"), "domains": [format!("c{n}.example")], "country": "DE", "seats": seats });
    let response = app.post("/api/v1/customers", Some(&tenant.token), &body).await;
    assert_eq!(response.status(), StatusCode::CREATED, "creating customer {n}");
    response.json().await.unwrap()
}

async fn pool(app: &TestApp, tenant: &Tenant) -> Value {
    let response = app.get("/api/v1/license/pool", Some(&tenant.token)).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn stored_seat_sum(app: &TestApp) -> i64 {
    app.with_db(|conn| {
        use diesel::RunQueryDsl;
        diesel::sql_query("SELECT CAST(COALESCE(SUM(seats), 0) AS BIGINT) AS total FROM customers")
            .get_result::<SeatSum>(conn)
            .unwrap()
            .total
    })
    .await
}

#[derive(diesel::QueryableByName)]
struct SeatSum {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    total: i64,
}

on_both_backends!(
    two_hundred_concurrent_seat_increases_never_over_allocate_the_pool,
    racing_for_the_last_organization_slot_creates_exactly_one,
    seats_are_drawn_from_and_returned_to_the_pool,
    the_pool_warns_at_its_threshold,
    the_operator_approves_or_rejects_requests_for_more_seats
);

async fn two_hundred_concurrent_seat_increases_never_over_allocate_the_pool(app: TestApp) {
    let a = app.tenant("Racing MSP").await;
    set_limits(&app, &a, 300, 50).await;
    let mut ids = Vec::new();
    for n in 0..200 {
        ids.push(create(&app, &a, n, 0).await["id"].as_str().unwrap().to_owned());
    }
    // On PostgreSQL half the requests go to a second server process.
    let binary = env!("CARGO_BIN_EXE_portal-node");
    let second = match app.backend {
        e2e_tests::Backend::Postgres => Some(app.spawn_process(binary).await),
        e2e_tests::Backend::Sqlite => None,
    };
    let bases: Vec<String> =
        std::iter::once(app.address.clone()).chain(second.as_ref().map(|s| s.address.clone())).collect();
    let requests = ids.iter().enumerate().map(|(i, id)| {
        let url = format!("{}/api/v1/customers/{id}", bases[i % bases.len()]);
        app.client.patch(url).bearer_auth(&a.token).json(&json!({ "seats": 1 })).send()
    });
    let responses = join_all(requests).await;
    let (mut granted, mut refused) = (0, 0);
    for response in responses {
        let response = response.expect("request reaches a server");
        match response.status() {
            StatusCode::OK => granted += 1,
            StatusCode::CONFLICT => {
                let problem = assert_problem(response, StatusCode::CONFLICT, "seats_unavailable").await;
                assert!(problem["detail"].as_str().unwrap().contains("has 0 seats available"), "{problem}");
                refused += 1;
            }
            other => panic!("a seat increase answered {other}: {}", response.text().await.unwrap_or_default()),
        }
    }
    assert_eq!((granted, refused), (50, 150), "exactly the pool's 50 seats are granted");
    let summary = pool(&app, &a).await;
    assert_eq!(summary["allocated_seats"], 50);
    assert_eq!(summary["available_seats"], 0);
    assert_eq!(summary["warning_level"], "exhausted");
    assert_eq!(stored_seat_sum(&app).await, 50, "the customers' seats add up to the pool's counter");
    drop(second);
}

async fn racing_for_the_last_organization_slot_creates_exactly_one(app: TestApp) {
    let a = app.tenant("Slot MSP").await;
    set_limits(&app, &a, 3, 0).await;
    create(&app, &a, 0, 0).await;
    create(&app, &a, 1, 0).await;
    let requests = (10..20).map(|n| {
        let body = json!({ "name": format!("Racer {n}"), "domains": [format!("r{n}.example")], "country": "FR" });
        app.client.post(app.url("/api/v1/customers")).bearer_auth(&a.token).json(&body).send()
    });
    let mut created = 0;
    for response in join_all(requests).await {
        let response = response.unwrap();
        if response.status() == StatusCode::CREATED {
            created += 1;
            continue;
        }
        let problem = assert_problem(response, StatusCode::CONFLICT, "organization_limit_reached").await;
        assert!(problem["detail"].as_str().unwrap().contains("limit of 3 customer organizations"), "{problem}");
    }
    assert_eq!(created, 1);
    let summary = pool(&app, &a).await;
    assert_eq!((summary["customer_count"].clone(), summary["max_organizations"].clone()), (json!(3), json!(3)));
    let listed: Value = app.get("/api/v1/customers", Some(&a.token)).await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 3);
}

async fn seats_are_drawn_from_and_returned_to_the_pool(app: TestApp) {
    let a = app.tenant("Pool MSP").await;
    set_limits(&app, &a, 10, 100).await;
    let first = create(&app, &a, 1, 30).await;
    assert_eq!(first["seats"], 30);
    assert_eq!(pool(&app, &a).await["allocated_seats"], 30);
    let path = format!("/api/v1/customers/{}", first["id"].as_str().unwrap());
    assert_eq!(app.patch(&path, Some(&a.token), &json!({ "seats": 80 })).await.status(), StatusCode::OK);

    // 20 left: asking for 30 says how many there are, and creates nothing.
    let body = json!({ "name": "Too big", "domains": ["big.example"], "country": "DE", "seats": 30 });
    let problem = assert_problem(
        app.post("/api/v1/customers", Some(&a.token), &body).await,
        StatusCode::CONFLICT,
        "seats_unavailable",
    )
    .await;
    assert!(problem["detail"].as_str().unwrap().contains("20 seats available"), "{problem}");
    assert_eq!(pool(&app, &a).await["customer_count"], 1);

    // Returning seats makes room.
    assert_eq!(app.patch(&path, Some(&a.token), &json!({ "seats": 10 })).await.status(), StatusCode::OK);
    let second = create(&app, &a, 2, 30).await;
    let summary = pool(&app, &a).await;
    assert_eq!((summary["allocated_seats"].clone(), summary["available_seats"].clone()), (json!(40), json!(60)));
    assert_eq!(summary["utilisation_percent"], 40.0);
    assert_eq!(summary["warning_level"], "none");

    // Seats never go below the active users.
    app.set_limits(
        &a,
        MspLimits { max_organizations: 10, seat_pool_total: 100, max_global_users: 10, ..MspLimits::starter() },
    )
    .await;
    let accounts = format!("{path}/accounts");
    for n in 0..5 {
        let created = app.post(&accounts, Some(&a.token), &json!({ "email": format!("u{n}@c1.example") })).await;
        assert_eq!(created.status(), StatusCode::CREATED);
    }
    let problem = assert_problem(
        app.patch(&path, Some(&a.token), &json!({ "seats": 4 })).await,
        StatusCode::CONFLICT,
        "seats_below_active_users",
    )
    .await;
    assert!(problem["detail"].as_str().unwrap().contains("5 active users"), "{problem}");
    assert_eq!(app.patch(&path, Some(&a.token), &json!({ "seats": 5 })).await.status(), StatusCode::OK);

    // Allocations show seats, active users and who changed them, sortable.
    let allocations: Value =
        app.get("/api/v1/license/allocations?sort=-seats", Some(&a.token)).await.json().await.unwrap();
    let items = allocations["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["customer_id"], second["id"]);
    assert_eq!(items[1]["allocated_seats"], 5);
    assert_eq!(items[1]["active_users"], 5);
    assert_eq!(items[1]["utilisation_percent"], 100.0);
    assert_eq!(items[1]["last_changed_by"], a.email.as_str());
    assert!(items[1]["last_changed_at"].is_string());

    // Deleting a customer returns its seats and its slot.
    let second_path = format!("/api/v1/customers/{}", second["id"].as_str().unwrap());
    assert_eq!(app.delete(&second_path, Some(&a.token)).await.status(), StatusCode::NO_CONTENT);
    let summary = pool(&app, &a).await;
    assert_eq!((summary["allocated_seats"].clone(), summary["customer_count"].clone()), (json!(5), json!(1)));
    assert_eq!(stored_seat_sum(&app).await, 5);
}

async fn the_pool_warns_at_its_threshold(app: TestApp) {
    let a = app.tenant("Warning MSP").await;
    set_limits(&app, &a, 10, 10).await;
    create(&app, &a, 1, 8).await;
    assert_eq!(pool(&app, &a).await["warning_level"], "none");
    let changed = app.patch("/api/v1/license/pool", Some(&a.token), &json!({ "warning_threshold_percent": 80 })).await;
    assert_eq!(changed.status(), StatusCode::OK);
    let summary: Value = changed.json().await.unwrap();
    assert_eq!(
        (summary["warning_level"].clone(), summary["utilisation_percent"].clone()),
        (json!("warning"), json!(80.0))
    );
    let bad = app.patch("/api/v1/license/pool", Some(&a.token), &json!({ "warning_threshold_percent": 0 })).await;
    assert_problem(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}

async fn the_operator_approves_or_rejects_requests_for_more_seats(app: TestApp) {
    let a = app.tenant("Growing MSP").await;
    set_limits(&app, &a, 10, 10).await;
    let operator = app.operator_token("ops@vendor.example").await;
    let ask = |seats: i64| {
        app.client
            .post(app.url("/api/v1/license/pool/expansion-requests"))
            .bearer_auth(&a.token)
            .json(&json!({ "seats": seats, "reason": "new customers" }))
            .send()
    };
    let request: Value = ask(25).await.unwrap().json().await.unwrap();
    assert_eq!((request["status"].clone(), request["seats"].clone()), (json!("pending"), json!(25)));
    let other: Value = ask(5).await.unwrap().json().await.unwrap();

    let pending: Value =
        app.get("/api/v1/platform/seat-expansion-requests?status=pending", Some(&operator)).await.json().await.unwrap();
    assert_eq!(pending["items"].as_array().unwrap().len(), 2);
    assert_eq!(pending["items"][0]["msp_id"], a.msp_id.as_str());

    let approve = format!("/api/v1/platform/seat-expansion-requests/{}/approve", request["id"].as_str().unwrap());
    let approved = app.post(&approve, Some(&operator), &json!({ "note": "ok" })).await;
    assert_eq!(approved.status(), StatusCode::OK);
    assert_eq!(approved.json::<Value>().await.unwrap()["status"], "approved");
    assert_eq!(pool(&app, &a).await["total_seats"], 35);
    // Approving again changes nothing; rejecting now is a conflict.
    assert_eq!(app.post(&approve, Some(&operator), &json!({})).await.status(), StatusCode::OK);
    assert_eq!(pool(&app, &a).await["total_seats"], 35);
    let reject_approved =
        format!("/api/v1/platform/seat-expansion-requests/{}/reject", request["id"].as_str().unwrap());
    assert_problem(
        app.post(&reject_approved, Some(&operator), &json!({})).await,
        StatusCode::CONFLICT,
        "already_decided",
    )
    .await;

    let reject = format!("/api/v1/platform/seat-expansion-requests/{}/reject", other["id"].as_str().unwrap());
    assert_eq!(app.post(&reject, Some(&operator), &json!({ "note": "buy a plan" })).await.status(), StatusCode::OK);
    assert_eq!(pool(&app, &a).await["total_seats"], 35);

    let own: Value = app.get("/api/v1/license/pool/expansion-requests", Some(&a.token)).await.json().await.unwrap();
    let statuses: Vec<&str> = own["items"].as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["approved", "rejected"]);
    assert_eq!(own["items"][1]["decision_note"], "buy a plan");

    // An MSP admin cannot decide; the operator cannot shrink the pool below what is allocated.
    assert_problem(app.post(&approve, Some(&a.token), &json!({})).await, StatusCode::FORBIDDEN, "forbidden").await;
    create(&app, &a, 1, 30).await;
    let limits = json!({ "limits": { "max_organizations": 10, "seat_pool_total": 20, "seat_pool_renewal_date": null, "max_global_users": 0, "max_local_users": 0 } });
    let shrink = app.patch(&format!("/api/v1/platform/msps/{}", a.msp_id), Some(&operator), &limits).await;
    assert_problem(shrink, StatusCode::CONFLICT, "seat_pool_below_allocated").await;

    let audit: Value =
        app.get("/api/v1/audit-events?target_type=seat_expansion_request", Some(&a.token)).await.json().await.unwrap();
    let mut actions: Vec<&str> =
        audit["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    actions.sort_unstable();
    assert_eq!(
        actions,
        ["seat_expansion.approved", "seat_expansion.rejected", "seat_expansion.requested", "seat_expansion.requested"]
    );
}
