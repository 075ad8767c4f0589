//! `Idempotency-Key` on `POST`: a retry gets the first answer again, a
//! changed request with the same key is refused, a retry while the first
//! runs is a 409, and concurrent retries — on two server processes — make
//! one resource.

use chrono::TimeDelta;
use e2e_tests::{Tenant, TestApp, assert_problem, on_both_backends};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

on_both_backends!(
    a_retried_post_gets_the_first_answer_again,
    a_retry_while_the_first_runs_is_refused_and_racing_retries_order_once
);

async fn post_with_key(app: &TestApp, token: &str, path: &str, key: &str, body: &Value) -> Response {
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .expect("request reaches the server")
}

fn replayed(response: &Response) -> Option<&str> {
    response.headers().get("idempotent-replayed").and_then(|v| v.to_str().ok())
}

async fn customer_count(app: &TestApp, tenant: &Tenant) -> usize {
    let list: Value = app.get("/api/v1/customers?limit=100", Some(&tenant.token)).await.json().await.unwrap();
    list["items"].as_array().unwrap().len()
}

async fn a_retried_post_gets_the_first_answer_again(app: TestApp) {
    let a = app.tenant("Retrying MSP").await;
    let key = "5f0c7d52-8d1e-4a39-9d55-6c1f1e0a4b17";
    let body = json!({ "name": "Nordic Freight", "domains": ["nordicfreight.example"], "country": "SE" });

    let first = post_with_key(&app, &a.token, "/api/v1/customers", key, &body).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    assert_eq!(replayed(&first), None);
    let (location, etag) = (first.headers()["location"].clone(), first.headers()["etag"].clone());
    let first_body = first.bytes().await.unwrap();

    // The client never saw that answer and sends the same request again.
    let retry = post_with_key(&app, &a.token, "/api/v1/customers", &format!("\"{key}\""), &body).await;
    assert_eq!(retry.status(), StatusCode::CREATED);
    assert_eq!(replayed(&retry), Some("true"));
    assert_eq!((&retry.headers()["location"], &retry.headers()["etag"]), (&location, &etag));
    assert_eq!(retry.headers()["content-type"], "application/json");
    assert!(retry.headers().contains_key("x-request-id"));
    assert_eq!(retry.bytes().await.unwrap(), first_body, "the same body, byte for byte");
    assert_eq!(customer_count(&app, &a).await, 1, "one customer, however many retries");

    // The same key for another request: a changed body, another path.
    let changed = json!({ "name": "Nordic Freight AB", "domains": ["nordicfreight.example"], "country": "SE" });
    let problem = assert_problem(
        post_with_key(&app, &a.token, "/api/v1/customers", key, &changed).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
    )
    .await;
    assert!(problem["detail"].as_str().unwrap().contains("different request"), "{problem}");
    assert_problem(
        post_with_key(&app, &a.token, "/api/v1/customer-groups", key, &json!({ "name": "Logistics" })).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
    )
    .await;
    assert_eq!(customer_count(&app, &a).await, 1);

    // A 403 is not kept (the permission may be granted before the retry).
    let plain = app.second_admin(&a, "plain@retrying.example", &[]).await;
    for _ in 0..2 {
        let response = post_with_key(&app, &plain, "/api/v1/customers", "plain-1", &body).await;
        assert_eq!(replayed(&response), None);
        assert_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
    }

    // Keys are per credential: another admin's same key is their own.
    let other = app.second_admin(&a, "second@retrying.example", &["create_organizations"]).await;
    let theirs = json!({ "name": "Baltic Rail", "domains": ["balticrail.example"], "country": "EE" });
    let response = post_with_key(&app, &other, "/api/v1/customers", key, &theirs).await;
    assert_eq!((response.status(), replayed(&response)), (StatusCode::CREATED, None));
    assert_eq!(customer_count(&app, &a).await, 2);

    // A refusal of the operation's own is kept and replayed too.
    let invalid = json!({ "name": "", "domains": [], "country": "SE" });
    for attempt in [None, Some("true")] {
        let response = post_with_key(&app, &a.token, "/api/v1/customers", "refused-1", &invalid).await;
        assert_eq!(replayed(&response), attempt);
        assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    }

    // A 401 is not kept: the retry with a good token runs.
    let unauthenticated = post_with_key(&app, "not-a-token", "/api/v1/customers", "after-401", &body).await;
    assert_problem(unauthenticated, StatusCode::UNAUTHORIZED, "invalid_token").await;
    let fresh = json!({ "name": "Fjord Foods", "domains": ["fjordfoods.example"], "country": "NO" });
    let response = post_with_key(&app, &a.token, "/api/v1/customers", "after-401", &fresh).await;
    assert_eq!((response.status(), replayed(&response)), (StatusCode::CREATED, None));

    // An answer with a secret is never stored: a retry makes a new API key.
    let new_key = json!({ "name": "PSA sync", "scopes": ["read"] });
    let mut secrets = Vec::new();
    for _ in 0..2 {
        let response = post_with_key(&app, &a.token, "/api/v1/api-keys", "key-1", &new_key).await;
        assert_eq!((response.status(), replayed(&response)), (StatusCode::CREATED, None));
        secrets.push(response.json::<Value>().await.unwrap()["secret"].as_str().unwrap().to_owned());
    }
    assert_ne!(secrets[0], secrets[1]);
    // Nothing of it is in the store: the key is free for anything.
    let (scope, at) = (format!("admin:{}", a.admin_id), app.now());
    let hold = app
        .with_db(move |conn| {
            let probe = persistence::idempotency::KeyRequest {
                scope: &scope,
                key: "key-1",
                fingerprint: "a probe",
                holder: "the test",
                now: at,
                lease_until: at,
                expires_at: at,
            };
            persistence::idempotency::hold(conn, &probe).unwrap()
        })
        .await;
    assert_eq!(hold, persistence::idempotency::KeyHold::Taken);

    // Sign-in has no credential to keep answers for: it ignores the header.
    let login = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("Idempotency-Key", "not a key")
        .json(&json!({ "email": a.email, "password": e2e_tests::PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!((login.status(), replayed(&login)), (StatusCode::OK, None));

    // A key that is not one.
    for bad in ["k".repeat(256), "clé".to_owned(), "\"\"".to_owned()] {
        let response = app
            .client
            .post(app.url("/api/v1/customers"))
            .bearer_auth(&a.token)
            .header("Idempotency-Key", reqwest::header::HeaderValue::from_bytes(bad.as_bytes()).unwrap())
            .json(&fresh)
            .send()
            .await
            .unwrap();
        assert_problem(response, StatusCode::BAD_REQUEST, "invalid_idempotency_key").await;
    }

    // After 24 hours the key is free for anything.
    app.advance_clock(TimeDelta::hours(24) + TimeDelta::minutes(1));
    let a = Tenant {
        token: app.login(&a.email, e2e_tests::PASSWORD).await["access_token"].as_str().unwrap().to_owned(),
        ..a
    };
    let later = json!({ "name": "Nordic Freight Two", "domains": ["nordicfreight2.example"], "country": "SE" });
    let response = post_with_key(&app, &a.token, "/api/v1/customers", key, &later).await;
    assert_eq!((response.status(), replayed(&response)), (StatusCode::CREATED, None));
    assert_eq!(customer_count(&app, &a).await, 4);
}

async fn a_retry_while_the_first_runs_is_refused_and_racing_retries_order_once(app: TestApp) {
    let a = app.tenant("Racing MSP").await;
    let skus: Value = app.get("/api/v1/skus", Some(&a.token)).await.json().await.unwrap();
    let sku = skus["items"][0]["id"].clone();
    let order = json!({ "sku": sku, "quantity": 2 });

    // Twelve copies of one order at once, half on a second server process:
    // one order is placed; each copy is that order's answer or a 409.
    let binary = env!("CARGO_BIN_EXE_portal-node");
    let second = app.spawn_process(binary).await;
    let copies = (0..12).map(|i| {
        let base = if i % 2 == 0 { app.address.clone() } else { second.address.clone() };
        app.client
            .post(format!("{base}/api/v1/maa/orders"))
            .bearer_auth(&a.token)
            .header("Idempotency-Key", "order-2026-12")
            .json(&order)
            .send()
    });
    let answers = futures_util::future::join_all(copies).await;
    let mut placed = Vec::new();
    for answer in answers {
        let answer = answer.expect("request reaches a server");
        match answer.status() {
            StatusCode::CREATED => placed.push((replayed(&answer).is_some(), answer.json::<Value>().await.unwrap())),
            StatusCode::CONFLICT => {
                assert_problem(answer, StatusCode::CONFLICT, "idempotency_key_in_flight").await;
            }
            other => panic!("unexpected {other}: {}", answer.text().await.unwrap()),
        }
    }
    let originals = placed.iter().filter(|(replay, _)| !replay).count();
    assert_eq!(originals, 1, "exactly one copy ran: {placed:?}");
    assert!(placed.iter().all(|(_, body)| body["id"] == placed[0].1["id"]), "{placed:?}");
    let orders: Value = app.get("/api/v1/maa/orders", Some(&a.token)).await.json().await.unwrap();
    assert_eq!(orders["items"].as_array().unwrap().len(), 1, "one of the twelve: {orders}");

    // A first request still running holds its key (here: held in storage,
    // as the request's process would). After the race, because the second
    // process keeps the system's clock, which the test clock leaves behind.
    let (scope, at) = (format!("admin:{}", a.admin_id), app.now());
    app.with_db(move |conn| {
        let request = persistence::idempotency::KeyRequest {
            scope: &scope,
            key: "held",
            fingerprint: "the first request",
            holder: "the first request's process",
            now: at,
            lease_until: at + domain::idempotency::IN_FLIGHT_LEASE,
            expires_at: at + domain::idempotency::KEY_LIFETIME,
        };
        persistence::idempotency::hold(conn, &request).unwrap()
    })
    .await;
    let response = post_with_key(&app, &a.token, "/api/v1/maa/orders", "held", &order).await;
    assert_eq!(response.headers()["retry-after"], "1");
    assert_problem(response, StatusCode::CONFLICT, "idempotency_key_in_flight").await;
    // Its process stopped: once the hold lapses the key is free again.
    app.advance_clock(domain::idempotency::IN_FLIGHT_LEASE + TimeDelta::seconds(1));
    let response = post_with_key(&app, &a.token, "/api/v1/maa/orders", "held", &order).await;
    assert_eq!((response.status(), replayed(&response)), (StatusCode::CREATED, None));
    let orders: Value = app.get("/api/v1/maa/orders", Some(&a.token)).await.json().await.unwrap();
    assert_eq!(orders["items"].as_array().unwrap().len(), 2, "{orders}");

    // A request that outlived its hold cannot answer for the one that took
    // the key over: its late answer is not kept, the key stays in flight.
    let (scope, at) = (format!("admin:{}", a.admin_id), app.now());
    let after_takeover = app
        .with_db(move |conn| {
            use persistence::idempotency::{KeptAnswer, KeyRequest, hold, keep_answer};
            let request = |holder, now| KeyRequest {
                scope: &scope,
                key: "slow",
                fingerprint: "f",
                holder,
                now,
                lease_until: now + domain::idempotency::IN_FLIGHT_LEASE,
                expires_at: now + domain::idempotency::KEY_LIFETIME,
            };
            hold(conn, &request("slow one", at)).unwrap();
            let later = at + domain::idempotency::IN_FLIGHT_LEASE + TimeDelta::seconds(1);
            hold(conn, &request("retry", later)).unwrap();
            let late = KeptAnswer { status: 201, headers: Vec::new(), body: b"late".to_vec() };
            keep_answer(conn, &scope, "slow", "slow one", &late).unwrap();
            hold(conn, &request("third", later)).unwrap()
        })
        .await;
    assert_eq!(after_takeover, persistence::idempotency::KeyHold::InFlight);
}
