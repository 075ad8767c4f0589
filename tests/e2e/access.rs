//! API keys, customer sessions ("log in as"), the platform operator, the audit
//! log and sign-in protection.

use e2e_tests::{PASSWORD, TestApp, assert_problem, on_both_backends, spawn_app_with};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn create_key(app: &TestApp, token: &str, scopes: &[&str]) -> Value {
    let response = app.post("/api/v1/api-keys", Some(token), &json!({ "name": "PSA sync", "scopes": scopes })).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()["cache-control"], "no-store");
    response.json().await.unwrap()
}

async fn audit(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let response = app.get(&format!("/api/v1/audit-events?{query}"), Some(token)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let page: Value = response.json().await.unwrap();
    page["items"].as_array().unwrap().clone()
}

on_both_backends!(
    api_keys_are_shown_once_scoped_and_revocable,
    a_key_never_holds_more_than_its_creator,
    a_customer_session_reaches_one_customer_and_is_audited,
    the_operator_creates_msps_and_sets_their_limits,
    the_audit_log_filters_pages_and_exports_csv
);

async fn api_keys_are_shown_once_scoped_and_revocable(app: TestApp) {
    let owner = app.tenant("Keys").await;
    let read = create_key(&app, &owner.token, &["read"]).await;
    let secret = read["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with(&format!("{}_", read["prefix"].as_str().unwrap())));
    assert!(read["prefix"].as_str().unwrap().starts_with("mspk_"));

    // The list shows prefix, name, scopes; never the secret.
    let list = app.get("/api/v1/api-keys", Some(&owner.token)).await.text().await.unwrap();
    assert!(list.contains(read["prefix"].as_str().unwrap()) && !list.contains(&secret));
    // Only a hash is stored.
    let stored: Vec<String> = app
        .with_db(|conn| {
            use diesel::prelude::*;
            diesel::sql_query("SELECT secret_hash AS value FROM api_keys")
                .load::<StoredText>(conn)
                .unwrap()
                .into_iter()
                .map(|r| r.value)
                .collect()
        })
        .await;
    assert!(!stored.iter().any(|h| h.contains(&secret)));

    // A read key reads, and may not write.
    assert_eq!(app.get("/api/v1/customers", Some(&secret)).await.status(), StatusCode::OK);
    let write = app
        .post("/api/v1/customers", Some(&secret), &json!({ "name": "X", "domains": ["x.example"], "country": "DE" }))
        .await;
    assert_problem(write, StatusCode::FORBIDDEN, "forbidden").await;
    let key: Value = app
        .get(&format!("/api/v1/api-keys/{}", read["id"].as_str().unwrap()), Some(&owner.token))
        .await
        .json()
        .await
        .unwrap();
    assert!(key["last_used_at"].is_string(), "{key}");

    // A write key writes, and the audit log names the key.
    let writer = create_key(&app, &owner.token, &["read", "write"]).await;
    let writer_secret = writer["secret"].as_str().unwrap();
    let created = app
        .post(
            "/api/v1/customers",
            Some(writer_secret),
            &json!({ "name": "By key", "domains": ["by-key.example"], "country": "FR" }),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    let trail = audit(&app, &owner.token, &format!("target_id={}", created["id"].as_str().unwrap())).await;
    assert_eq!(trail[0]["actor_type"], "api_key");
    assert_eq!(trail[0]["actor_id"], writer["id"]);

    // Revoked: refused at once. A forged secret with a real prefix too.
    let revoke = app.delete(&format!("/api/v1/api-keys/{}", read["id"].as_str().unwrap()), Some(&owner.token)).await;
    assert_eq!(revoke.status(), StatusCode::NO_CONTENT);
    assert_problem(app.get("/api/v1/customers", Some(&secret)).await, StatusCode::UNAUTHORIZED, "invalid_api_key")
        .await;
    let key_path = format!("/api/v1/api-keys/{}", read["id"].as_str().unwrap());
    assert_problem(app.get(&key_path, Some(&owner.token)).await, StatusCode::NOT_FOUND, "not_found").await;
    assert_problem(app.delete(&key_path, Some(&owner.token)).await, StatusCode::NOT_FOUND, "not_found").await;
    let revoked = audit(&app, &owner.token, &format!("target_id={}", read["id"].as_str().unwrap())).await;
    assert_eq!(revoked[0]["action"], "api_key.revoked");
    assert_eq!(revoked[0]["before"]["prefix"], read["prefix"]);
    let forged = format!("{}_{}", writer["prefix"].as_str().unwrap(), "A".repeat(43));
    assert_problem(app.get("/api/v1/customers", Some(&forged)).await, StatusCode::UNAUTHORIZED, "invalid_api_key")
        .await;
    let bad_scope =
        app.post("/api/v1/api-keys", Some(&owner.token), &json!({ "name": "x", "scopes": ["admin"] })).await;
    assert_problem(bad_scope, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let past = app
        .post(
            "/api/v1/api-keys",
            Some(&owner.token),
            &json!({ "name": "x", "scopes": ["read"], "expires_at": "2020-01-01T00:00:00Z" }),
        )
        .await;
    assert_problem(past, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}

async fn a_key_never_holds_more_than_its_creator(app: TestApp) {
    let owner = app.tenant("Limits").await;
    let plain = app.second_admin(&owner, "plain@limits.example", &[]).await;
    let key = create_key(&app, &plain, &["read", "write"]).await;
    let secret = key["secret"].as_str().unwrap();
    // The creator can't create customers, so neither can the key.
    let create = app
        .post("/api/v1/customers", Some(secret), &json!({ "name": "No", "domains": ["no.example"], "country": "DE" }))
        .await;
    assert_problem(create, StatusCode::FORBIDDEN, "forbidden").await;
    // Keys never manage admins or keys.
    assert_problem(
        app.post("/api/v1/api-keys", Some(secret), &json!({ "name": "x", "scopes": ["read"] })).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // Disabling the creator stops the key.
    let me: Value = app.get("/api/v1/me", Some(&plain)).await.json().await.unwrap();
    let path = format!("/api/v1/admins/{}", me["admin"]["id"].as_str().unwrap());
    assert_eq!(app.patch(&path, Some(&owner.token), &json!({ "disabled": true })).await.status(), StatusCode::OK);
    assert_problem(app.get("/api/v1/customers", Some(secret)).await, StatusCode::UNAUTHORIZED, "invalid_api_key").await;
}

async fn a_customer_session_reaches_one_customer_and_is_audited(app: TestApp) {
    let owner = app.tenant("Login As").await;
    let c1 = app.create_customer(&owner, "First", &["first.example"]).await;
    let c2 = app.create_customer(&owner, "Second", &["second.example"]).await;
    let (c1_id, c2_id) = (c1["id"].as_str().unwrap(), c2["id"].as_str().unwrap());
    let started = app.post(&format!("/api/v1/customers/{c1_id}/sessions"), Some(&owner.token), &json!({})).await;
    assert_eq!(started.status(), StatusCode::OK);
    let started: Value = started.json().await.unwrap();
    assert!(started["expires_in"].as_i64().unwrap() <= 900);
    let session = started["access_token"].as_str().unwrap();

    assert_eq!(app.get(&format!("/api/v1/customers/{c1_id}"), Some(session)).await.status(), StatusCode::OK);
    let renamed =
        app.patch(&format!("/api/v1/customers/{c1_id}"), Some(session), &json!({ "name": "First, renamed" })).await;
    assert_eq!(renamed.status(), StatusCode::OK);
    let other = app.get(&format!("/api/v1/customers/{c2_id}"), Some(session)).await;
    let other = assert_problem(other, StatusCode::NOT_FOUND, "not_found").await;
    assert!(!other.to_string().contains("Second"));
    assert_problem(app.get("/api/v1/customers", Some(session)).await, StatusCode::FORBIDDEN, "forbidden").await;
    assert_problem(
        app.delete(&format!("/api/v1/customers/{c1_id}"), Some(session)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_problem(app.get("/api/v1/admins", Some(session)).await, StatusCode::FORBIDDEN, "forbidden").await;
    let me: Value = app.get("/api/v1/me", Some(session)).await.json().await.unwrap();
    assert_eq!(me["customer_session_customer_id"], c1_id);

    // Who started it, and the change made with it, naming the real admin.
    let trail = audit(&app, &owner.token, &format!("target_id={c1_id}")).await;
    assert_eq!(trail[0]["action"], "customer.updated");
    assert_eq!(trail[0]["actor_type"], "impersonation");
    assert_eq!(trail[0]["actor_id"], owner.admin_id);
    assert_eq!(trail[0]["impersonated_customer_id"], c1_id);
    assert_eq!(trail[1]["action"], "customer_session.started");
    assert_eq!(trail[1]["actor_type"], "admin");
    assert_eq!(trail[1]["after"]["session_id"], started["session_id"]);

    // Signing out of the session ends it.
    assert_eq!(app.post("/api/v1/auth/logout", Some(session), &json!({})).await.status(), StatusCode::NO_CONTENT);
    assert_problem(
        app.get(&format!("/api/v1/customers/{c1_id}"), Some(session)).await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
    assert_eq!(app.get("/api/v1/me", Some(&owner.token)).await.status(), StatusCode::OK);
}

async fn the_operator_creates_msps_and_sets_their_limits(app: TestApp) {
    let sink = e2e_tests::SmtpSink::start().await;
    let url = sink.url();
    let app = spawn_app_with(app.backend, move |settings| settings.smtp_url = Some(url)).await.unwrap();
    let operator = app.operator_token("ops@vendor.example").await;
    let limits = json!({ "max_organizations": 25, "seat_pool_total": 1000, "seat_pool_renewal_date": "2027-06-30", "max_global_users": 900, "max_local_users": 20 });
    let created = app
        .post(
            "/api/v1/platform/msps",
            Some(&operator),
            &json!({ "name": "Contoso MSP", "owner_email": "boss@contoso.example", "limits": limits }),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let msp: Value = created.json().await.unwrap();
    assert_eq!(msp["limits"], limits);
    let msp_path = format!("/api/v1/platform/msps/{}", msp["id"].as_str().unwrap());
    let again = app
        .post(
            "/api/v1/platform/msps",
            Some(&operator),
            &json!({ "name": "contoso msp", "owner_email": "x@contoso.example", "limits": limits }),
        )
        .await;
    assert_problem(again, StatusCode::CONFLICT, "msp_name_taken").await;

    let mut raised = limits.clone();
    raised["seat_pool_total"] = json!(5000);
    let changed = app.patch(&msp_path, Some(&operator), &json!({ "limits": raised })).await;
    assert_eq!(changed.status(), StatusCode::OK);
    let stored: Value = app.get(&msp_path, Some(&operator)).await.json().await.unwrap();
    assert_eq!(stored["limits"]["seat_pool_total"], 5000);
    let negative = app.patch(&msp_path, Some(&operator), &json!({ "limits": { "max_organizations": -1, "seat_pool_total": 0, "seat_pool_renewal_date": null, "max_global_users": 0, "max_local_users": 0 } })).await;
    assert_problem(negative, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;

    // MSP admins can't reach the platform; operators can't reach an MSP.
    let admin = app.tenant("Other MSP").await;
    assert_problem(app.get("/api/v1/platform/msps", Some(&admin.token)).await, StatusCode::FORBIDDEN, "forbidden")
        .await;
    assert_problem(app.get("/api/v1/customers", Some(&operator)).await, StatusCode::FORBIDDEN, "forbidden").await;
    let listed: Value = app.get("/api/v1/platform/msps", Some(&operator)).await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);

    // The new MSP's owner was invited; the operator's changes are in that MSP's audit log.
    // The invitation is sent by a job of the runner (which the tests drive).
    assert_eq!(app.run_due_jobs().await.succeeded, 1, "one invitation sent");
    let token = e2e_tests::link_token(&sink.wait_for("boss@contoso.example").await);
    // Delivered mail does not keep the link: its token exists only as a hash.
    let kept: Vec<String> = app
        .with_db(|conn| {
            persistence::outbox::for_recipient(conn, "boss@contoso.example")
                .unwrap()
                .into_iter()
                .map(|m| m.body)
                .collect()
        })
        .await;
    assert_eq!(kept, vec![persistence::outbox::DELIVERED_BODY.to_owned()], "the delivered e-mail still holds its body");
    assert_eq!(
        app.post("/api/v1/auth/set-password", None, &json!({ "token": token, "password": PASSWORD })).await.status(),
        StatusCode::NO_CONTENT
    );
    let boss = app.login("boss@contoso.example", PASSWORD).await["access_token"].as_str().unwrap().to_owned();
    let trail = audit(&app, &boss, "target_type=msp").await;
    let actions: Vec<(&str, &str)> =
        trail.iter().map(|e| (e["action"].as_str().unwrap(), e["actor_type"].as_str().unwrap())).collect();
    assert_eq!(actions, vec![("msp.limits_changed", "operator"), ("msp.created", "operator")]);
    assert_eq!(trail[0]["actor_label"], "ops@vendor.example");
}

async fn the_audit_log_filters_pages_and_exports_csv(app: TestApp) {
    let owner = app.tenant("Audited").await;
    for n in 0..3 {
        app.create_customer(&owner, &format!("=Customer {n}"), &[&format!("c{n}.example")]).await;
    }
    let first = app.get("/api/v1/audit-events?action=customer.created&limit=2", Some(&owner.token)).await;
    assert_eq!(first.status(), StatusCode::OK);
    let link = first.headers()["link"].to_str().unwrap().to_owned();
    assert!(link.contains("action=customer.created") && link.ends_with("rel=\"next\""), "{link}");
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second: Value = app
        .get(&format!("/api/v1/audit-events?action=customer.created&limit=2&cursor={cursor}"), Some(&owner.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    assert_eq!(second["items"][0]["after"]["name"], "=Customer 0");
    assert_eq!(second["items"][0]["actor_type"], "admin");
    assert!(second["items"][0]["request_id"].is_string());

    // `msp-portal bootstrap` made the MSP: the actor is the system.
    let bootstrap = audit(&app, &owner.token, "actor_type=system").await;
    assert_eq!(bootstrap.len(), 1);
    assert_eq!(bootstrap[0]["action"], "msp.created");
    assert_eq!(bootstrap[0]["after"]["owner_email"], owner.email);

    let none: Value =
        app.get("/api/v1/audit-events?from=2099-01-01T00:00:00Z", Some(&owner.token)).await.json().await.unwrap();
    assert_eq!(none["items"], json!([]));
    let bad = app.get("/api/v1/audit-events?actor_type=robot", Some(&owner.token)).await;
    assert_problem(bad, StatusCode::BAD_REQUEST, "invalid_parameters").await;
    let bad_time = app.get("/api/v1/audit-events?from=yesterday", Some(&owner.token)).await;
    assert_problem(bad_time, StatusCode::BAD_REQUEST, "invalid_parameters").await;

    let csv = app.get("/api/v1/audit-events?format=csv&target_type=customer", Some(&owner.token)).await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = csv.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("id,occurred_at,actor_type,actor_id,actor_label"));
    assert_eq!(lines.len(), 4, "{text}");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert!(rows.iter().all(|r| &r[2] == "admin" && &r[6] == "customer.created" && &r[7] == "customer"));
    let after: Value = serde_json::from_str(&rows[2][10]).unwrap();
    assert_eq!(after["name"], "=Customer 0");

    // No route edits or deletes audit events.
    for method in [reqwest::Method::PUT, reqwest::Method::DELETE, reqwest::Method::PATCH, reqwest::Method::POST] {
        let response =
            app.client.request(method, app.url("/api/v1/audit-events")).bearer_auth(&owner.token).send().await.unwrap();
        assert_problem(response, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
    }
}

#[derive(diesel::QueryableByName)]
struct StoredText {
    #[diesel(sql_type = diesel::sql_types::Text)]
    value: String,
}

/// Sign-in protection, with thresholds lowered so the test is quick.
mod login_protection {
    use super::*;
    use domain::login_protection::{LoginPolicy, Thresholds};

    async fn scenario(backend: e2e_tests::Backend) {
        let Some(app) = spawn_app_with(backend, |settings| {
            settings.login_policy = LoginPolicy {
                per_email: Thresholds { slow_after: 100, block_after: 3 },
                per_address: Thresholds { slow_after: 100, block_after: 1000 },
                ..LoginPolicy::default()
            };
        })
        .await
        else {
            return;
        };
        let owner = app.tenant("Guessed").await;
        let attempt = |password: &'static str| {
            let (app, email) = (&app, owner.email.clone());
            async move { app.post("/api/v1/auth/login", None, &json!({ "email": email, "password": password })).await }
        };
        // Two failures, then a success resets the counter.
        for _ in 0..2 {
            assert_eq!(attempt("wrong password!").await.status(), StatusCode::UNAUTHORIZED);
        }
        assert_eq!(attempt(PASSWORD).await.status(), StatusCode::OK);
        for _ in 0..2 {
            assert_eq!(attempt("wrong password!").await.status(), StatusCode::UNAUTHORIZED);
        }
        assert_eq!(attempt(PASSWORD).await.status(), StatusCode::OK);
        // Three failures in a row: refused, even with the right password.
        for _ in 0..3 {
            assert_eq!(attempt("wrong password!").await.status(), StatusCode::UNAUTHORIZED);
        }
        let blocked = attempt(PASSWORD).await;
        let retry_after: u64 = blocked.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!(retry_after > 0 && retry_after <= 15 * 60, "{retry_after}");
        assert_problem(blocked, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
        // Another admin from the same address is not locked out by it.
        app.tenant("Innocent").await;
    }

    #[tokio::test]
    async fn sqlite() {
        scenario(e2e_tests::Backend::Sqlite).await;
    }

    #[tokio::test]
    async fn postgres() {
        scenario(e2e_tests::Backend::Postgres).await;
    }
}
